//! Loading fixtures: `tests/fixtures/<api>/<Component>[.partial]/<case>.json`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// What a partial fixture (a documented request *fragment*) is merged over before it is
/// validated and decoded: the smallest valid CreatePayment request. Also written in
/// `tests/fixtures/lyra/INDEX.md`.
pub fn partial_base(component: &str) -> Option<Value> {
    match component {
        "CreatePaymentRequest" => Some(json!({"amount": 10000, "currency": "PEN"})),
        _ => None,
    }
}

/// One fixture file, ready to check.
#[derive(Debug)]
pub struct Fixture {
    /// `lyra` or `etpay`: which spec and which generated module.
    pub api: String,
    /// The schema component (the folder name without `.partial`).
    pub component: String,
    /// The file name without `.json`.
    pub case: String,
    /// True for a fragment merged over [`partial_base`].
    pub partial: bool,
    /// `tests/fixtures/…` (no machine-specific prefix), for messages.
    pub display: String,
    /// The document to check (for partials: base + fragment).
    pub doc: Value,
}

impl Fixture {
    /// Reads and parses a fixture; an unreadable file, bad JSON or a bad location is an error.
    pub fn load(path: &Path) -> Result<Fixture, String> {
        let display = relative(path);
        let parts: Vec<&str> = display.split('/').collect();
        let [.., api, folder, file] = parts.as_slice() else {
            return Err(format!(
                "{display}: expected tests/fixtures/<api>/<Component>/<case>.json"
            ));
        };
        let case = file
            .strip_suffix(".json")
            .ok_or_else(|| format!("{display}: not a .json file"))?
            .to_owned();
        let (component, partial) = match folder.strip_suffix(".partial") {
            Some(c) => (c.to_owned(), true),
            None => ((*folder).to_owned(), false),
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{display}: {e}"))?;
        let parsed: Value =
            serde_json::from_str(&text).map_err(|e| format!("{display}: not valid JSON: {e}"))?;
        let doc = if partial {
            let mut base = partial_base(&component).ok_or_else(|| {
                format!("{display}: no partial base is defined for component {component}")
            })?;
            let (Some(base_map), Value::Object(fragment)) = (base.as_object_mut(), parsed) else {
                return Err(format!(
                    "{display}: a partial fixture must be a JSON object"
                ));
            };
            base_map.extend(fragment);
            base
        } else {
            parsed
        };
        Ok(Fixture {
            api: (*api).to_owned(),
            component,
            case,
            partial,
            display,
            doc,
        })
    }

    /// The snapshot suffix: `<api>__<Folder>__<case>`, independent of which other fixtures
    /// exist (insta's default suffix depends on the common prefix of all matched files).
    pub fn snapshot_suffix(&self) -> String {
        let folder = if self.partial {
            format!("{}.partial", self.component)
        } else {
            self.component.clone()
        };
        format!("{}__{}__{}", self.api, folder, self.case)
    }
}

/// `tests/fixtures/…` for a path under the crate.
fn relative(path: &Path) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = root.canonicalize().unwrap_or(root);
    path.strip_prefix(&root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every fixture file under `tests/fixtures/<api>/`, sorted (for tests that do not snapshot).
pub fn all(api: &str) -> Vec<Fixture> {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(api);
    let mut out = Vec::new();
    let Ok(folders) = std::fs::read_dir(&base) else {
        return out;
    };
    let mut folders: Vec<PathBuf> = folders.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    folders.sort();
    for folder in folders.into_iter().filter(|p| p.is_dir()) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map(|it| it.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            out.push(Fixture::load(&file).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    out
}
