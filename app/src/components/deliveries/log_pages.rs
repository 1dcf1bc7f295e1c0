//! The delivery log's list: a first page refreshed by polling, and older pages loaded with
//! "Load more", kept together newest first without gaps or duplicates.

use crate::delivery::{DeliveryPage, DeliveryView};

fn sort(list: &mut [DeliveryView]) {
    list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
}

/// Folds a fresh first page into what is shown. A page that is not full is the whole list;
/// otherwise it replaces everything as new as its oldest entry, and older entries (pushed off
/// the first page since, or loaded with "Load more") stay.
pub fn merge_head(known: &mut Vec<DeliveryView>, page: DeliveryPage) {
    match (page.deliveries.last(), page.next_before) {
        (Some(oldest), Some(_)) => {
            let floor = oldest.created_at;
            known.retain(|d| d.created_at < floor);
            known.extend(page.deliveries);
            sort(known);
        }
        _ => *known = page.deliveries,
    }
}

/// Adds a page of older deliveries.
pub fn merge_older(known: &mut Vec<DeliveryView>, older: Vec<DeliveryView>) {
    known.retain(|d| !older.iter().any(|o| o.id == d.id));
    known.extend(older);
    sort(known);
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::delivery::DeliveryStatus;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, second).unwrap()
    }

    fn delivery(n: u8, second: u32, status: DeliveryStatus) -> DeliveryView {
        DeliveryView {
            id: Uuid::from_bytes([n; 16]),
            endpoint_id: None,
            connection_id: None,
            event_id: format!("evt_{n}"),
            event_type: "message.sent".into(),
            test: false,
            status,
            attempts: 1,
            next_attempt_at: None,
            last_status_code: None,
            last_error: None,
            created_at: at(second),
            completed_at: None,
            attempt_log: Vec::new(),
        }
    }

    fn page(deliveries: Vec<DeliveryView>, full: bool) -> DeliveryPage {
        let next_before = full.then(|| deliveries.last().unwrap().created_at);
        DeliveryPage {
            deliveries,
            next_before,
        }
    }

    fn events(list: &[DeliveryView]) -> Vec<&str> {
        list.iter().map(|d| d.event_id.as_str()).collect()
    }

    #[test]
    fn a_page_that_is_not_full_is_the_whole_list() {
        let mut known = vec![delivery(9, 1, DeliveryStatus::Failed)];
        merge_head(
            &mut known,
            page(vec![delivery(2, 20, DeliveryStatus::Pending)], false),
        );
        assert_eq!(events(&known), ["evt_2"]);
        merge_head(&mut known, page(Vec::new(), false));
        assert!(known.is_empty());
    }

    #[test]
    fn a_full_page_refreshes_its_range_and_keeps_older_pages() {
        let mut known = Vec::new();
        merge_head(
            &mut known,
            page(
                vec![
                    delivery(3, 30, DeliveryStatus::Pending),
                    delivery(2, 20, DeliveryStatus::Pending),
                ],
                true,
            ),
        );
        merge_older(&mut known, vec![delivery(1, 10, DeliveryStatus::Failed)]);
        assert_eq!(events(&known), ["evt_3", "evt_2", "evt_1"]);

        // A new delivery pushes evt_2 off the first page; evt_3 has succeeded meanwhile.
        merge_head(
            &mut known,
            page(
                vec![
                    delivery(4, 40, DeliveryStatus::Pending),
                    delivery(3, 30, DeliveryStatus::Succeeded),
                ],
                true,
            ),
        );
        assert_eq!(events(&known), ["evt_4", "evt_3", "evt_2", "evt_1"]);
        assert_eq!(known[1].status, DeliveryStatus::Succeeded);

        // Under a filter, a delivery that no longer matches leaves the refreshed range.
        merge_head(
            &mut known,
            page(
                vec![
                    delivery(4, 40, DeliveryStatus::Pending),
                    delivery(2, 20, DeliveryStatus::Pending),
                ],
                true,
            ),
        );
        assert_eq!(events(&known), ["evt_4", "evt_2", "evt_1"]);
    }

    #[test]
    fn older_pages_replace_duplicates() {
        let mut known = vec![delivery(2, 20, DeliveryStatus::Pending)];
        merge_older(
            &mut known,
            vec![
                delivery(2, 20, DeliveryStatus::Failed),
                delivery(1, 10, DeliveryStatus::Failed),
            ],
        );
        assert_eq!(events(&known), ["evt_2", "evt_1"]);
        assert_eq!(known[0].status, DeliveryStatus::Failed);
    }
}
