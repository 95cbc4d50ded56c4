//! The OpenAPI 3.1 document, generated from the handlers' annotations and the very types they
//! serialise, served at `/openapi.json`.

use super::{
    audiences, campaigns, dto, executions, messages, namespaces, profiles, reports, retention,
    sandbox, suppressions, surfaces, webhooks,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Herald API",
        description = "Trigger API-triggered campaigns (compatible with the reference execution API) \
                       and manage campaigns and profiles as code. Authenticate with an API key as \
                       `Authorization: Bearer <key>` or `x-api-key: <key>`.",
    ),
    paths(
        executions::trigger_unitary,
        executions::trigger_high_throughput,
        executions::trigger_audience,
        executions::audience_status,
        executions::get_schedule,
        executions::delete_schedule,
        executions::execution_status,
        executions::health,
        campaigns::list_campaigns,
        campaigns::create_campaign,
        campaigns::get_campaign,
        campaigns::update_campaign,
        campaigns::delete_campaign,
        campaigns::activate_campaign,
        campaigns::stop_campaign,
        campaigns::archive_campaign,
        campaigns::duplicate_campaign,
        reports::campaign_report,
        reports::sandbox_report,
        profiles::get_profile,
        profiles::put_profile,
        profiles::delete_profile,
        profiles::import_profiles,
        profiles::list_imports,
        profiles::get_import,
        profiles::import_errors,
        profiles::export_profiles,
        messages::find_messages,
        messages::get_message,
        suppressions::list_suppressions,
        suppressions::lift_suppression,
        suppressions::list_opt_outs,
        suppressions::lift_opt_out,
        surfaces::list_surfaces,
        surfaces::create_surface,
        surfaces::verify_surface,
        surfaces::get_surface,
        surfaces::update_surface,
        surfaces::delete_surface,
        namespaces::list_namespaces,
        namespaces::create_namespace,
        namespaces::delete_namespace,
        audiences::list_audiences,
        audiences::create_audience,
        audiences::get_audience,
        audiences::update_audience,
        audiences::delete_audience,
        audiences::add_members,
        audiences::remove_members,
        audiences::count_audience,
        audiences::count_rule,
        audiences::cancel_send,
        sandbox::get_audit,
        sandbox::get_sandbox,
        sandbox::put_sandbox,
        retention::get_retention,
        retention::put_retention,
        webhooks::list_webhooks,
        webhooks::create_webhook,
        webhooks::delete_webhook,
        webhooks::webhook_deliveries,
        webhooks::rotate_webhook_secret,
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

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serialises")
    })
}
