//! The OpenAPI 3.1 document, generated from the handlers' annotations and the very types they
//! serialise, served at `/openapi.json`. The operations come from the routers themselves
//! (`super::operations`), so a route and its operation are declared once, side by side; what
//! every authenticated operation shares (the key schemes, `401` and `403`) is added here.

use super::dto;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Herald API",
        description = "Trigger API-triggered campaigns (compatible with the reference execution API) \
                       and manage campaigns and profiles as code. Authenticate with an API key as \
                       `Authorization: Bearer <key>` or `x-api-key: <key>`.",
    ),
    components(schemas(dto::ErrorBody)),
    modifiers(&Security),
    tags(
        (name = "execution", description = "Trigger campaigns and follow what was triggered."),
        (name = "reports", description = "What campaigns did: counts, rates and time series, for keys with the admin scope."),
        (name = "management", description = "Campaigns, surfaces, profiles and messages, for keys with the admin scope."),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
    }
}

/// Operations open to anyone: no key, so no `401` or `403`.
const ANONYMOUS: [&str; 1] = ["/ajo/im/health"];

/// Every other operation takes an API key and may answer that it is missing or not enough.
fn authenticated(operation: &mut Operation) {
    let error = |description: &str| -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        dto::ErrorBody::name(),
                    ))))
                    .build(),
            )
            .build()
            .into()
    };
    let responses = &mut operation.responses.responses;
    responses.insert("401".into(), error("Missing, invalid or revoked API key"));
    responses.insert("403".into(), error("The key may not act here"));
    operation.security = Some(vec![
        SecurityRequirement::new("bearer", Vec::<String>::new()),
        SecurityRequirement::new("apiKey", Vec::<String>::new()),
    ]);
}

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.merge(super::operations().into_openapi());
        for (path, item) in doc.paths.paths.iter_mut() {
            if ANONYMOUS.contains(&path.as_str()) {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                authenticated(operation);
            }
        }
        doc.to_json().expect("the OpenAPI document serialises")
    })
}
