//! The send loop's transport over the real client: bulk requests through [`EsClient`], and
//! the index template installed before the first one when `setup.template.enabled`.

use super::bulk::BulkBody;
use super::client::{EsClient, EsClientError, TemplateOutcome};
use super::sender::{BulkTransport, Sent};
use super::settings::ShipperSettings;
use super::template::IndexTemplate;

/// [`EsClient`] as the send loop's transport.
#[derive(Debug, Clone)]
pub struct ClientTransport {
    client: EsClient,
    template: Option<IndexTemplate>,
}

impl ClientTransport {
    /// The client for `settings`, with its template when templates are installed.
    pub fn new(settings: &ShipperSettings) -> Result<Self, EsClientError> {
        Ok(ClientTransport {
            client: EsClient::new(&settings.client_settings())?,
            template: settings
                .template_enabled
                .then(|| IndexTemplate::new(&settings.indices, &settings.template)),
        })
    }
}

impl BulkTransport for ClientTransport {
    async fn send(&self, body: &BulkBody, count: usize) -> Sent {
        let outcome = self.client.bulk(body, count).await;
        Sent {
            verdict: outcome.verdict,
            retry_after: outcome.retry_after,
            host: outcome.host,
        }
    }

    async fn prepare(&self) -> Result<(), String> {
        let Some(template) = &self.template else {
            return Ok(());
        };
        match self.client.install_template(template).await {
            Ok(TemplateOutcome::Installed) => {
                tracing::info!(template = %template.name, host = %self.client.current_host(), "index template installed");
                Ok(())
            }
            Ok(TemplateOutcome::AlreadyInstalled) => {
                tracing::info!(template = %template.name, "index template already installed; kept (setup.template.overwrite: false)");
                Ok(())
            }
            Err(err) => Err(crate::errors::with_causes(&err)),
        }
    }
}
