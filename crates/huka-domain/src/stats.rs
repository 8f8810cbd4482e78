//! Counts of live records per kind (the CLI's `stats`, the window's header).

use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub schools: i64,
    pub households: i64,
    pub members: i64,
    pub students: i64,
    pub teachers: i64,
    pub pairings: i64,
    pub visits: i64,
    pub follow_ups: i64,
    pub plans: i64,
    pub plan_reviews: i64,
    /// 学籍 roster rows.
    pub registrations: i64,
    pub aid_programmes: i64,
    pub grants: i64,
    pub reconcile_decisions: i64,
    pub dropout_cases: i64,
    pub dropout_actions: i64,
    /// Weekly zero reports confirmed.
    pub weekly_reports: i64,
    /// The school's signing keys, the current one and those retired.
    pub signing_keys: i64,
    /// County mode: registered schools, their keys, and bundles ingested.
    pub county_schools: i64,
    pub county_keys: i64,
    pub county_bundles: i64,
}

/// Every kind of record, counted live (tombstones aside).
pub fn get(store: &Store) -> Result<Stats> {
    let count = |sql: &str| -> Result<i64> { Ok(store.conn().query_row(sql, [], |r| r.get(0))?) };
    let live = |table: &str| count(&format!("SELECT count(*) FROM {table} WHERE deleted_at IS NULL"));
    Ok(Stats {
        schools: live("school")?,
        households: live("household")?,
        members: live("member")?,
        students: live("student")?,
        teachers: live("teacher")?,
        pairings: count("SELECT count(*) FROM pairing WHERE deleted_at IS NULL AND end_date IS NULL")?,
        visits: live("visit")?,
        follow_ups: live("follow_up")?,
        plans: live("plan")?,
        plan_reviews: live("plan_review")?,
        registrations: live("registration")?,
        aid_programmes: live("aid_programme")?,
        grants: live("aid_grant")?,
        reconcile_decisions: live("reconcile_decision")?,
        dropout_cases: live("dropout_case")?,
        dropout_actions: live("dropout_action")?,
        weekly_reports: live("dropout_week")?,
        signing_keys: live("signing_key")?,
        county_schools: live("county_school")?,
        county_keys: live("county_key")?,
        county_bundles: live("county_bundle")?,
    })
}
