//! Comparing a fixture with its re-encoded value as data.

use serde_json::Value;

/// Differences between `original` and `reencoded`, each naming its JSON path. The only
/// difference allowed is an explicit `null` on one side where the other has no key at all
/// (the generated types drop `None` when encoding). Key order is irrelevant; a changed number
/// representation (`180` vs `180.0`) is a difference.
pub fn differences(original: &Value, reencoded: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(original, reencoded, &mut String::new(), &mut out);
    out
}

fn walk(a: &Value, b: &Value, path: &mut String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, av) in a {
                let len = path.len();
                path.push('/');
                path.push_str(&escape(key));
                match b.get(key) {
                    Some(bv) => walk(av, bv, path, out),
                    None if av.is_null() => {}
                    None => out.push(format!("{path}: lost on re-encoding (was {})", short(av))),
                }
                path.truncate(len);
            }
            for (key, bv) in b {
                if !a.contains_key(key) && !bv.is_null() {
                    out.push(format!(
                        "{path}/{}: added on re-encoding ({})",
                        escape(key),
                        short(bv)
                    ));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!(
                    "{path}: array length changed from {} to {}",
                    a.len(),
                    b.len()
                ));
            }
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                walk(av, bv, path, out);
                path.truncate(len);
            }
        }
        _ if a == b => {}
        _ => {
            let at = if path.is_empty() {
                "(document root)"
            } else {
                path.as_str()
            };
            out.push(format!("{at}: changed from {} to {}", short(a), short(b)));
        }
    }
}

/// JSON-pointer escaping of one key.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_versus_absent_is_the_only_allowed_difference() {
        assert!(differences(&json!({"a": null, "b": 1}), &json!({"b": 1})).is_empty());
        assert!(differences(&json!({"b": 1}), &json!({"a": null, "b": 1})).is_empty());
    }

    #[test]
    fn lost_changed_and_renamed_fields_are_named_by_path() {
        let d = differences(
            &json!({"x": {"amount": 180, "keep": "v", "arr": [1, 2]}}),
            &json!({"x": {"amount": 180.0, "kept": "v", "arr": [1]}}),
        );
        assert_eq!(d.len(), 4, "{d:?}");
        assert!(d
            .iter()
            .any(|m| m.starts_with("/x/amount: changed from 180 to 180.0")));
        assert!(d.iter().any(|m| m.starts_with("/x/keep: lost")));
        assert!(d.iter().any(|m| m.starts_with("/x/kept: added")));
        assert!(d.iter().any(|m| m.starts_with("/x/arr: array length")));
    }
}
