//! The operation table (`pasarela::lyra::OPERATIONS`, derived from the spec by `build.rs`)
//! end to end: every entry is called through the client against the sandbox with the spec's
//! own request example, and comes back as a documented answer, never as "unknown web service"
//! or an undecodable body. A web service the table does not have gets the gateway's error.

use pasarela::lyra::{Answer, LyraClient, LyraConfig, OPERATIONS};
use pasarela::spec::LYRA_V4_YAML;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::Value;

/// The request example of every operation, by web service.
fn request_example(spec: &Value, web_service: &str) -> Value {
    let path = format!("/api-payment/V4/{web_service}");
    spec["paths"][&path]["post"]["requestBody"]["content"]["application/json"]["example"].clone()
}

async fn client() -> (Sandbox, LyraClient) {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = LyraConfig::new(defaults::SHOP_ID, defaults::PASSWORD, sandbox.base_url());
    let client = LyraClient::new(&config).unwrap();
    (sandbox, client)
}

#[tokio::test]
async fn every_operation_of_the_table_answers_through_the_client() {
    let spec: Value = serde_yaml::from_str(LYRA_V4_YAML).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(OPERATIONS.len(), paths.len(), "one table entry per path");
    let (sandbox, client) = client().await;
    for op in OPERATIONS {
        let example = request_example(&spec, op.web_service);
        assert!(
            example.is_object(),
            "{}: no request example",
            op.web_service
        );
        match client.call(op.web_service, example).await {
            Ok(answer) => {
                assert!(
                    !matches!(answer, Answer::Unknown(_)),
                    "{}: an answer of unknown _type {:?}",
                    op.web_service,
                    answer.type_name()
                );
                if let Some(component) = op.answer {
                    let tag = answer.type_name().unwrap_or_default();
                    let declared = &spec["components"]["schemas"][component]["properties"]["_type"];
                    let matches_component = declared["enum"]
                        .as_array()
                        .is_none_or(|tags| tags.iter().any(|t| t == tag));
                    assert!(
                        matches_component,
                        "{}: answered {tag}, the spec says {component}",
                        op.web_service
                    );
                }
            }
            // The examples name objects this fresh sandbox does not hold: a documented
            // "not found" or state error is the right answer, an input error is not.
            Err(e) => {
                let api = e
                    .api_error()
                    .unwrap_or_else(|| panic!("{}: not a gateway answer: {e}", op.web_service));
                assert!(
                    !matches!(api.error_code(), "INT_901" | "INT_902" | "INT_905"),
                    "{}: the spec's own example was refused: {api}",
                    op.web_service
                );
            }
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_web_service_outside_the_table_gets_the_gateways_error() {
    let (sandbox, client) = client().await;
    assert!(pasarela::lyra::Operation::find("Charge/Nope").is_none());
    // The client refuses it before sending.
    let refused = client
        .call("Charge/Nope", serde_json::json!({}))
        .await
        .unwrap_err();
    assert!(!refused.may_have_reached_gateway(), "{refused}");
    // The sandbox, posted to directly, answers as the gateway does: an ERROR envelope.
    let response = reqwest::Client::new()
        .post(format!("{}/api-payment/V4/Charge/Nope", sandbox.base_url()))
        .basic_auth(defaults::SHOP_ID, Some(defaults::PASSWORD))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let envelope: Value = response.json().await.unwrap();
    assert_eq!(envelope["status"], "ERROR");
    assert_eq!(envelope["answer"]["_type"], "V4/WebService/WebServiceError");
    assert_eq!(envelope["answer"]["errorCode"], "INT_901");
    sandbox.shutdown().await;
}
