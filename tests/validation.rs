//! Every kind of bad snapshot gets one clear message naming the file, the
//! JSON path and what was expected (docs/formats.md#errors).

use ptudesk::ingest::snapshot::parse;
use serde_json::{Value, json};

fn example() -> Value {
    serde_json::from_str(include_str!("data/interface_example.json")).unwrap()
}

/// Applies `edit` to the docs/formats.md example and expects a failure at
/// `path` whose message contains `expected`.
fn rejects(edit: impl FnOnce(&mut Value), path: &str, expected: &str) {
    let mut v = example();
    edit(&mut v);
    let err = parse("case.json", v.to_string().as_bytes()).expect_err("must be rejected");
    assert_eq!(err.file, "case.json");
    assert_eq!(err.path.as_deref(), Some(path), "message: {err}");
    assert!(
        err.message.contains(expected),
        "{err}\n  should say: {expected}"
    );
}

#[test]
fn the_interface_example_is_valid() {
    let e = parse("example.json", example().to_string().as_bytes()).unwrap();
    assert_eq!(e.deployments[0].sizes.len(), 2);
}

#[test]
fn unknown_fields_are_named_with_their_path() {
    rejects(
        |v| v["deployments"][0]["colour"] = json!("blue"),
        "$.deployments[0].colour",
        "unknown field `colour`",
    );
    rejects(
        |v| v["reservations"][0]["scope"]["tenant"] = json!("x"),
        "$.reservations[0].scope.tenant",
        "unknown field",
    );
    rejects(
        |v| v["extra"] = json!(1),
        "$.extra",
        "unknown field `extra`",
    );
}

#[test]
fn wrong_types() {
    rejects(
        |v| v["deployments"][0]["sizes"][1]["ptu"] = json!("400"),
        "$.deployments[0].sizes[1].ptu",
        "expected a whole number of PTUs up to 1000000, got \"400\"",
    );
    rejects(
        |v| v["deployments"][0]["sizes"][1]["ptu"] = json!(40.5),
        "$.deployments[0].sizes[1].ptu",
        "expected a whole number of PTUs up to 1000000, got 40.5",
    );
    rejects(
        |v| v["prices"][0]["hourly"] = json!("two"),
        "$.prices[0].hourly",
        "expected an amount of money",
    );
    rejects(
        |v| v["prices"][0]["hourly"] = json!(true),
        "$.prices[0].hourly",
        "amount of money",
    );
    rejects(
        |v| v["commitments"][0]["start"] = json!("yesterday"),
        "$.commitments[0].start",
        "expected an RFC 3339 time",
    );
    rejects(
        |v| v["resources"] = json!({}),
        "$.resources",
        "expected a list ([...]), got an object",
    );
    rejects(
        |v| v["schema"] = json!("ptudesk.snapshot/2"),
        "$.schema",
        "expected \"ptudesk.snapshot/1\"",
    );
}

#[test]
fn unknown_sku_term_scope_type_and_modes() {
    rejects(
        |v| v["deployments"][0]["sku"] = json!("Standard"),
        "$.deployments[0].sku",
        "unknown variant `Standard`",
    );
    rejects(
        |v| v["reservations"][0]["term"] = json!("P3Y"),
        "$.reservations[0].term",
        "expected `P1M` or `P1Y`",
    );
    rejects(
        |v| v["reservations"][0]["billing"] = json!("weekly"),
        "$.reservations[0].billing",
        "unknown variant",
    );
    rejects(
        |v| v["reservations"][0]["scope"] = json!({"type": "tenant"}),
        "$.reservations[0].scope",
        "expected scope type resource_group, subscription, management_group or shared",
    );
    rejects(
        |v| v["reservations"][0]["scope"] = json!({"type": "management_group"}),
        "$.reservations[0].scope",
        "needs \"management_group\"",
    );
    rejects(
        |v| v["commitments"][0]["renewal"] = json!({"mode": "sometimes"}),
        "$.commitments[0].renewal",
        "expected renewal mode autorenew, autorenew_lower or none",
    );
    rejects(
        |v| v["commitments"][0]["renewal"] = json!({"mode": "autorenew_lower"}),
        "$.commitments[0].renewal",
        "needs \"ptu\"",
    );
    rejects(
        |v| v["reservations"][0]["renewal"] = json!({"mode": "autorenew", "ptu": 5}),
        "$.reservations[0].renewal",
        "only allowed with mode replace",
    );
}

#[test]
fn dangling_references() {
    rejects(
        |v| v["deployments"][0]["resource"] = json!("aoai-west"),
        "$.deployments[0].resource",
        "expected the id of a resource",
    );
    rejects(
        |v| v["commitments"][0]["resource"] = json!("nope"),
        "$.commitments[0].resource",
        "expected the id of a resource",
    );
    rejects(
        |v| {
            v["reservations"][0]["scope"] = json!({"type": "subscription", "subscription": "sub-z"})
        },
        "$.reservations[0].scope.subscription",
        "expected a subscription named in this file",
    );
    rejects(
        |v| v["reservations"][0]["scope"] = json!({"type": "shared", "billing_account": "ba-z"}),
        "$.reservations[0].scope.billing_account",
        "expected the id of a billing account",
    );
    rejects(
        |v| {
            v["reservations"][0]["scope"] =
                json!({"type": "management_group", "management_group": "mg-z"})
        },
        "$.reservations[0].scope.management_group",
        "expected the id of a management group",
    );
    rejects(
        |v| v["management_groups"][1]["parent"] = json!("mg-z"),
        "$.management_groups[1].parent",
        "expected the id of a management group",
    );
}

#[test]
fn commitments_and_renewals_come_in_50_ptu_steps() {
    rejects(
        |v| v["commitments"][0]["ptu"] = json!(320),
        "$.commitments[0].ptu",
        "expected a multiple of 50 PTU",
    );
    rejects(
        |v| v["commitments"][0]["additions"][0]["ptu"] = json!(25),
        "$.commitments[0].additions[0].ptu",
        "multiple of 50",
    );
    rejects(
        |v| v["commitments"][0]["renewal"] = json!({"mode": "autorenew_lower", "ptu": 260}),
        "$.commitments[0].renewal.ptu",
        "multiple of 50",
    );
    rejects(
        |v| v["commitments"][0]["renewal"] = json!({"mode": "autorenew_lower", "ptu": 400}),
        "$.commitments[0].renewal.ptu",
        "expected at most the 350 PTU in force at the expiry",
    );
}

#[test]
fn zero_or_negative_ptu() {
    rejects(
        |v| v["deployments"][0]["sizes"][1]["ptu"] = json!(-4),
        "$.deployments[0].sizes[1].ptu",
        "expected a positive number of PTU, got -4",
    );
    rejects(
        |v| v["deployments"][0]["sizes"][0]["ptu"] = json!(0),
        "$.deployments[0].sizes[0].ptu",
        "positive number of PTU",
    );
    rejects(
        |v| v["reservations"][0]["ptu"] = json!(0),
        "$.reservations[0].ptu",
        "positive number of PTU",
    );
    rejects(
        |v| v["commitments"][0]["ptu"] = json!(-50),
        "$.commitments[0].ptu",
        "positive number of PTU",
    );
    rejects(
        |v| v["quotas"][0]["limit"] = json!(-1),
        "$.quotas[0].limit",
        "expected a quota of 0 to",
    );
    rejects(
        |v| v["managed_compute"][0]["instances"] = json!(0),
        "$.managed_compute[0].instances",
        "expected 1 to 10000 instances",
    );
}

#[test]
fn times_out_of_order_and_ends_before_starts() {
    rejects(
        |v| v["deployments"][0]["sizes"][1]["at"] = json!("2026-09-01T00:00:00Z"),
        "$.deployments[0].sizes[1].at",
        "expected entries in time order: 2026-09-01T00:00:00Z comes after 2026-10-01T00:00:00Z",
    );
    // Two sizes at one instant: the message says so rather than "X comes after X".
    rejects(
        |v| v["deployments"][0]["sizes"][1]["at"] = json!("2026-10-01T00:00:00Z"),
        "$.deployments[0].sizes[1].at",
        "two sizes at the same instant 2026-10-01T00:00:00Z",
    );
    rejects(
        |v| v["deployments"][0]["deleted"] = json!("2026-09-01T00:00:00Z"),
        "$.deployments[0].deleted",
        "expected an instant after its creation",
    );
    rejects(
        |v| v["deployments"][0]["deleted"] = json!("2026-11-01T00:00:00Z"),
        "$.deployments[0].sizes[1].at",
        "expected a resize before the deletion",
    );
    rejects(
        |v| v["managed_compute"][0]["end"] = json!("2026-10-01T00:00:00Z"),
        "$.managed_compute[0].end",
        "expected an instant after the start",
    );
    rejects(
        |v| v["reservations"][0]["refunded_at"] = json!("2026-11-01T00:00:00Z"),
        "$.reservations[0].refunded_at",
        "expected an instant at or after the start",
    );
    rejects(
        |v| v["reservations"][0]["refunded_at"] = json!("2027-01-01T00:00:00Z"),
        "$.reservations[0].refunded_at",
        "the reservation expired at 2026-12-20T08:00:00Z",
    );
    rejects(
        |v| v["commitments"][0]["additions"][0]["at"] = json!("2026-10-15T00:00:00Z"),
        "$.commitments[0].additions[0].at",
        "expected an instant within a term",
    );
    rejects(
        |v| v["reservations"][0]["scope_changes"] = json!([{"at": "2026-11-01T00:00:00Z", "scope": {"type": "shared", "billing_account": "ba-contoso"}}]),
        "$.reservations[0].scope_changes[0].at",
        "at or after the start",
    );
    rejects(
        |v| {
            v["resources"][0]["deleted"] = json!("2026-12-10T00:00:00Z");
            v["resources"][0]["purged"] = json!("2026-12-01T00:00:00Z");
        },
        "$.resources[0].purged",
        "at or after its deletion",
    );
}

#[test]
fn duplicates_and_conflicts() {
    rejects(
        |v| {
            let copy = v["deployments"][0].clone();
            v["deployments"].as_array_mut().unwrap().push(copy)
        },
        "$.deployments[1].id",
        "expected unique deployment ids",
    );
    rejects(
        |v| v["billing_accounts"][0]["subscriptions"] = json!(["sub-a", "sub-a"]),
        "$.billing_accounts[0].subscriptions[1]",
        "one billing account only",
    );
    rejects(
        |v| v["management_groups"][0]["parent"] = json!("mg-prod"),
        "$.management_groups[0].parent",
        "its own ancestor",
    );
    rejects(
        |v| {
            v["commitments"]
                .as_array_mut()
                .unwrap()
                .push(json!({"id": "cp-2", "resource": "aoai-east",
            "start": "2026-11-20T00:00:00Z", "ptu": 50, "renewal": {"mode": "none"}}))
        },
        "$.commitments[1].start",
        "one commitment at a time on resource aoai-east",
    );
    // Overlaps on two resources: the one whose later commitment comes
    // first in the file is named, whatever order the resources hash in.
    rejects(
        |v| {
            let mut west = v["resources"][0].clone();
            west["id"] = json!("aoai-west");
            v["resources"].as_array_mut().unwrap().push(west);
            let c = |id: &str, resource: &str, start: &str| {
                json!({"id": id, "resource": resource, "start": start, "ptu": 50,
                    "renewal": {"mode": "none"}})
            };
            let list = v["commitments"].as_array_mut().unwrap();
            list.push(c("cp-w1", "aoai-west", "2026-11-10T00:00:00Z"));
            list.push(c("cp-w2", "aoai-west", "2026-11-12T00:00:00Z"));
            list.push(c("cp-e2", "aoai-east", "2026-11-20T00:00:00Z"));
        },
        "$.commitments[2].start",
        "one commitment at a time on resource aoai-west; cp-w1 is still active",
    );
    rejects(
        |v| v["reservations"][0]["id"] = json!("res-1/r2"),
        "$.reservations[0].id",
        "not ending in /r<N>",
    );
    rejects(
        |v| v["resources"][0]["region"] = json!("East US 2"),
        "$.resources[0].region",
        "Azure short region name",
    );
    rejects(
        |v| v["currency"] = json!("dollars"),
        "$.currency",
        "ISO 4217",
    );
}

#[test]
fn nested_management_group_scopes_are_refused() {
    rejects(
        |v| {
            v["reservations"][0]["scope"] =
                json!({"type": "management_group", "management_group": "mg-prod"});
            let mut second = v["reservations"][0].clone();
            second["id"] = json!("res-2");
            second["start"] = json!("2026-11-25T00:00:00Z");
            second["scope"] = json!({"type": "management_group", "management_group": "mg-root"});
            v["reservations"].as_array_mut().unwrap().push(second);
        },
        "$.reservations[1].scope",
        "Azure refuses nested management-group scopes",
    );
    // Two reservations on the same group are fine; so is a nested group after the first expired.
    let mut v = example();
    v["reservations"][0]["scope"] =
        json!({"type": "management_group", "management_group": "mg-prod"});
    let mut second = v["reservations"][0].clone();
    second["id"] = json!("res-2");
    second["start"] = json!("2027-01-05T00:00:00Z");
    second["scope"] = json!({"type": "management_group", "management_group": "mg-root"});
    v["reservations"].as_array_mut().unwrap().push(second);
    parse("ok.json", v.to_string().as_bytes()).unwrap();
}

#[test]
fn files_that_are_not_snapshots() {
    let cases: [(&[u8], &str); 6] = [
        (b"", "the file is empty"),
        (b"not json", "not valid JSON"),
        (
            b"[1, 2]",
            "expected a JSON object at the top level, got an array",
        ),
        (b"\"text\"", "expected a JSON object at the top level"),
        (
            br#"{"Items": [], "NextPageLink": null}"#,
            "expected a ptudesk.snapshot/1 document",
        ),
        (
            br#"{"schema": "ptudesk.snapshot/1", "currency": "USD", "resources": [{"id": "a""#,
            "the file ends early",
        ),
    ];
    for (bytes, expected) in cases {
        let err = parse("odd.json", bytes).expect_err("must be rejected");
        assert!(err.to_string().starts_with("odd.json: "), "{err}");
        assert!(
            err.message.contains(expected),
            "{err}\n  should say: {expected}"
        );
    }
}

#[test]
fn a_missing_field_is_named_at_the_object_that_needs_it() {
    rejects(
        |v| {
            v.as_object_mut().unwrap().remove("currency");
        },
        "$",
        "expected a field \"currency\" in this object",
    );
    rejects(
        |v| {
            v["resources"][0].as_object_mut().unwrap().remove("region");
        },
        "$.resources[0]",
        "expected a field \"region\" in this object",
    );
}
