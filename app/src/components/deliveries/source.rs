//! Whose deliveries a log shows, and the server functions that read and resend them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::delivery::{DeliveryPage, DeliveryStatus, DeliveryView};
use crate::error::AppError;
use crate::integrations::{list_connection_deliveries, redeliver_connection_delivery};
use crate::webhooks::{list_deliveries, redeliver};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    /// A webhook endpoint's deliveries.
    Endpoint(Uuid),
    /// A connection's actions (messages posted, hooks called).
    Connection(Uuid),
}

impl LogSource {
    pub async fn page(
        self,
        status: Option<DeliveryStatus>,
        event_type: Option<String>,
        before: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<DeliveryPage, AppError> {
        match self {
            LogSource::Endpoint(id) => {
                list_deliveries(id, status, event_type, before, Some(limit)).await
            }
            LogSource::Connection(id) => {
                list_connection_deliveries(id, status, event_type, before, Some(limit)).await
            }
        }
    }

    pub async fn redeliver(self, delivery_id: Uuid) -> Result<DeliveryView, AppError> {
        match self {
            LogSource::Endpoint(_) => redeliver(delivery_id).await,
            LogSource::Connection(_) => redeliver_connection_delivery(delivery_id).await,
        }
    }
}
