//! Importing Azure's own JSON (az CLI output, ARM REST shapes, the Retail
//! Prices API): format detection, the exact mapping to a batch, what is
//! skipped and why, and one clear error (file, JSON path, what was expected)
//! for every kind of bad input.

use ptudesk::domain::time::Time;
use ptudesk::domain::{
    Billing, BillingAccount, ManagementGroup, ModelCapacity, PriceRow, Quota, Reservation,
    ReservationRenewal, Resource, Scope, Sku, Term,
};
use ptudesk::ingest::InputError;
use ptudesk::ingest::azure::{detect, parse};
use ptudesk::ingest::batch::{
    Batch, Format, ObservedCommitment, ObservedDeployment, Placement, ReservationOrder, Skipped,
};
use rust_decimal::Decimal;
use serde_json::json;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/azure");
const SUB_A: &str = "1b2c3d4e-0000-4000-8000-00000000000a";
const SUB_B: &str = "1b2c3d4e-0000-4000-8000-00000000000b";
const SUB_C: &str = "1b2c3d4e-0000-4000-8000-00000000000c";
const SUB_D: &str = "1b2c3d4e-0000-4000-8000-00000000000d";

fn t(s: &str) -> Time {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn now() -> Time {
    t("2027-01-15T09:30:00Z")
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn placed() -> Placement {
    Placement {
        subscription: Some(SUB_A.to_uppercase()),
        region: Some("East US 2".into()),
        at: None,
    }
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Detects `name`'s format, checks it, and parses it; what was read, without
/// where each object was read (`origins`, which tests of their own check).
fn load(name: &str, format: Format, placement: &Placement) -> Batch {
    let bytes = read(name);
    let got = detect(name, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, format, "{name}");
    let mut b = parse(name, &bytes, format, placement, now()).unwrap_or_else(|e| panic!("{e}"));
    b.origins.clear();
    b
}

fn skipped(what: &str, why: &str) -> Skipped {
    Skipped::new(what, why)
}

fn account_id(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.cognitiveservices/accounts/{name}"
    )
}

fn detect_err(name: &str, bytes: &[u8]) -> InputError {
    detect(name, bytes).expect_err("detection must fail")
}

fn parse_err(name: &str, bytes: &[u8], format: Format, placement: &Placement) -> InputError {
    parse(name, bytes, format, placement, now()).expect_err("parsing must fail")
}

/// The error names the file and the path, and says `expected`.
fn assert_error(e: &InputError, file: &str, path: Option<&str>, expected: &str) {
    assert_eq!(e.file, file, "{e}");
    assert_eq!(e.path.as_deref(), path, "{e}");
    assert!(
        e.message.contains(expected),
        "{e}\n  should say: {expected}"
    );
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("{file}: ")), "{shown}");
    if let Some(p) = path {
        assert!(shown.contains(&format!(": {p}: ")), "{shown}");
    }
}

// ---------------------------------------------------------------------------
// The REST spec examples (generic Speech / Standard / VM values)

fn rest(name: &str) -> String {
    format!("rest-examples/{name}.json")
}

#[test]
fn rest_example_deployments_are_standard_and_skipped() {
    for name in [
        "cognitiveservices-2024-10-01-ListDeployments",
        "cognitiveservices-2024-10-01-PutDeployment",
        "cognitiveservices-2025-09-01-GetDeployment",
    ] {
        let b = load(&rest(name), Format::Deployments, &Placement::default());
        assert_eq!(
            b,
            Batch {
                skipped: vec![skipped(
                    "deployment deploymentname on accountname",
                    "SKU Standard is not provisioned throughput"
                )],
                ..Default::default()
            },
            "{name}"
        );
    }
}

#[test]
fn rest_example_commitment_plans_are_speech_and_skipped() {
    for name in [
        "cognitiveservices-2025-06-01-PutCommitmentPlan",
        "cognitiveservices-2025-09-01-GetCommitmentPlan",
        "cognitiveservices-2025-09-01-ListCommitmentPlans",
    ] {
        let b = load(&rest(name), Format::CommitmentPlans, &Placement::default());
        assert_eq!(
            b,
            Batch {
                skipped: vec![skipped(
                    "commitment plan commitmentplanname on accountname",
                    "hosting model Web is not provisioned throughput (only ProvisionedWeb plans are)"
                )],
                ..Default::default()
            },
            "{name}"
        );
    }
    let b = load(
        &rest("cognitiveservices-2025-09-01-CreateSharedCommitmentPlan"),
        Format::CommitmentPlans,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            skipped: vec![skipped(
                "shared commitment plan commitmentplanname",
                "hosting model Web is not provisioned throughput (only ProvisionedWeb plans are)"
            )],
            ..Default::default()
        }
    );
}

#[test]
fn rest_example_plan_associations_pair_plan_and_account() {
    let b = load(
        &rest("cognitiveservices-2025-09-01-ListSharedCommitmentPlanAssociations"),
        Format::CommitmentPlans,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            plan_associations: vec![(
                "/subscriptions/subscriptionid/resourcegroups/resourcegroupname/providers/microsoft.cognitiveservices/commitmentplans/commitmentplanname".into(),
                account_id("subscriptionid", "resourcegroupname", "accountname"),
            )],
            ..Default::default()
        }
    );
}

#[test]
fn rest_example_usages_are_not_ptu_quota() {
    let b = load(
        &rest("cognitiveservices-2025-09-01-ListUsages"),
        Format::Usages,
        &placed(),
    );
    assert_eq!(
        b,
        Batch {
            skipped: vec![skipped(
                "usage AccountCount",
                "not a provisioned-throughput quota"
            )],
            ..Default::default()
        }
    );
}

#[test]
fn rest_example_reservations_are_vms_and_skipped() {
    let b = load(
        &rest("reservations-2022-11-01-GetReservationDetails"),
        Format::Reservations,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            skipped: vec![skipped(
                "reservation cabri_test",
                "reserved resource type VirtualMachines (SKU Standard_DS1_v2) is not provisioned throughput"
            )],
            ..Default::default()
        }
    );
    let b = load(
        &rest("reservations-2022-11-01-GetReservations"),
        Format::Reservations,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            skipped: vec![skipped(
                "reservation VM_RI_07-21-2020_12-06",
                "reserved resource type VirtualMachines (SKU Standard_D1) is not provisioned throughput"
            )],
            ..Default::default()
        }
    );
}

#[test]
fn rest_example_reservation_order() {
    let b = load(
        &rest("reservations-2022-11-01-PurchaseReservationOrder"),
        Format::Reservations,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            reservation_orders: vec![ReservationOrder {
                id: "/providers/microsoft.capacity/reservationorders/1f14354c-dc12-4c8d-8090-6f295a3a34aa".into(),
                billing: Some(Billing::Monthly),
                term: Some(Term::OneYear),
                start: Some(t("2017-08-30T03:51:49.8083758Z")),
                reservations: vec![
                    "/providers/microsoft.capacity/reservationorders/1f14354c-dc12-4c8d-8090-6f295a3a34aa/reservations/c8c926bd-fc5d-4e29-9d43-b68340ac23a6".into()
                ],
            }],
            ..Default::default()
        }
    );
}

#[test]
fn rest_examples_of_other_operations_are_not_understood() {
    for name in [
        "cognitiveservices-2025-09-01-CalculateModelCapacity",
        "cognitiveservices-2025-09-01-ListDeploymentSkus",
    ] {
        let file = rest(name);
        let e = detect_err(&file, &read(&file));
        assert_error(&e, &file, None, "unrecognised JSON");
        assert!(
            e.message.contains("az cognitiveservices account list"),
            "{e}"
        );
    }
}

#[test]
fn rest_example_model_capacities_are_standard_and_skipped() {
    // Both published examples answer for ada 1, SKU Standard, in WestUS.
    for name in [
        "cognitiveservices-2025-09-01-ListLocationBasedModelCapacities",
        "cognitiveservices-2025-09-01-ListModelCapacities",
    ] {
        let b = load(&rest(name), Format::ModelCapacities, &Placement::default());
        assert_eq!(
            b,
            Batch {
                skipped: vec![skipped(
                    "capacity ada 1 Standard in westus",
                    "not a provisioned-throughput SKU"
                )],
                ..Default::default()
            },
            "{name}"
        );
    }
}

fn capacity(region: &str, sku: Sku, model: &str, available: i64, as_of: Time) -> ModelCapacity {
    ModelCapacity {
        region: region.into(),
        sku,
        model: model.into(),
        version: if model == "o1" {
            "2024-12-17"
        } else {
            "2024-08-06"
        }
        .into(),
        available,
        as_of,
    }
}

#[test]
fn model_capacities_are_dated_by_the_import_or_at() {
    let b = load(
        "model-capacities.json",
        Format::ModelCapacities,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            model_capacities: vec![
                capacity("eastus2", Sku::Regional, "gpt-4o", 400, now()),
                capacity("eastus2", Sku::Global, "gpt-4o", 1000, now()),
                capacity("eastus2", Sku::DataZone, "gpt-4o", 0, now()),
                capacity("swedencentral", Sku::Regional, "gpt-4o", 250, now()),
                capacity("swedencentral", Sku::Global, "gpt-4o", 600, now()),
                capacity("westus3", Sku::Regional, "gpt-4o", 0, now()),
            ],
            skipped: vec![skipped(
                "capacity gpt-4o 2024-08-06 GlobalStandard in eastus2",
                "not a provisioned-throughput SKU"
            )],
            ..Default::default()
        }
    );
    let old = t("2026-09-01T12:00:00Z");
    let at = Placement {
        at: Some(old),
        ..Default::default()
    };
    let b = load("model-capacities-stale.json", Format::ModelCapacities, &at);
    assert_eq!(
        b.model_capacities,
        vec![capacity("francecentral", Sku::Regional, "gpt-4o", 500, old)]
    );
    let b = load(
        "model-capacities-none-left.json",
        Format::ModelCapacities,
        &Placement::default(),
    );
    assert_eq!(
        b.model_capacities,
        vec![
            capacity("eastus2", Sku::Regional, "o1", 0, now()),
            capacity("eastus2", Sku::Global, "o1", 0, now()),
        ]
    );
}

#[test]
fn bad_model_capacities_say_where() {
    let one = |avail: serde_json::Value| {
        json!({"value": [{
            "type": "Microsoft.CognitiveServices/locations/models/skuCapacities",
            "location": "EastUS2",
            "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"},
                           "skuName": "ProvisionedManaged", "availableCapacity": avail}
        }]})
        .to_string()
    };
    let e = parse_err(
        "cap.json",
        one(json!(-5)).as_bytes(),
        Format::ModelCapacities,
        &Placement::default(),
    );
    assert_error(
        &e,
        "cap.json",
        Some("$.value[0].properties.availableCapacity"),
        "expected the available capacity, an integer from 0",
    );
    let e = parse_err(
        "cap.json",
        one(json!("lots")).as_bytes(),
        Format::ModelCapacities,
        &Placement::default(),
    );
    assert_error(
        &e,
        "cap.json",
        Some("$.value[0].properties.availableCapacity"),
        "got \"lots\"",
    );
    let mut twice: serde_json::Value = serde_json::from_str(&one(json!(5))).unwrap();
    let first = twice["value"][0].clone();
    twice["value"].as_array_mut().unwrap().push(first);
    let e = parse_err(
        "cap.json",
        twice.to_string().as_bytes(),
        Format::ModelCapacities,
        &Placement::default(),
    );
    assert_error(
        &e,
        "cap.json",
        Some("$.value[1]"),
        "duplicate capacity for gpt-4o 2024-08-06 ProvisionedManaged in eastus2",
    );
}

// ---------------------------------------------------------------------------
// Provisioned-throughput payloads, mapped exactly

#[test]
fn accounts_become_resources() {
    let b = load("accounts.json", Format::Accounts, &Placement::default());
    assert_eq!(
        b,
        Batch {
            resources: vec![
                Resource {
                    id: account_id(SUB_A, "rg-ml", "aoai-east"),
                    subscription: SUB_A.into(),
                    resource_group: "rg-ml".into(),
                    region: "eastus2".into(),
                    deleted: None,
                    purged: None,
                    deleted_approximate: false,
                    purged_approximate: false,
                },
                Resource {
                    id: account_id(SUB_B, "rg-apps", "aoai-west"),
                    subscription: SUB_B.into(),
                    resource_group: "rg-apps".into(),
                    region: "westus3".into(),
                    deleted: None,
                    purged: None,
                    deleted_approximate: false,
                    purged_approximate: false,
                },
            ],
            // A Speech account hosts no Azure OpenAI deployment.
            skipped: vec![skipped(
                "account speech-eu",
                "kind SpeechServices does not host Azure OpenAI deployments (only OpenAI and AIServices accounts do)"
            )],
            ..Default::default()
        }
    );
}

#[test]
fn deployments_of_the_three_ptu_skus_and_skipped_standard_ones() {
    let b = load(
        "deployments.json",
        Format::Deployments,
        &Placement::default(),
    );
    let east = account_id(SUB_A, "rg-ml", "aoai-east");
    let west = account_id(SUB_B, "rg-apps", "aoai-west");
    assert_eq!(
        b,
        Batch {
            deployments: vec![
                ObservedDeployment {
                    id: format!("{east}/deployments/chat"),
                    resource: east.clone(),
                    model: "gpt-4o".into(),
                    version: "2024-08-06".into(),
                    sku: Sku::Regional,
                    ptu: 300,
                    created: Some(t("2026-10-01T08:15:30.1234567Z")),
                    modified: Some(t("2026-11-10T12:00:00Z")),
                    failed: false,
                },
                ObservedDeployment {
                    id: format!("{east}/deployments/global-41"),
                    resource: east.clone(),
                    model: "gpt-4.1".into(),
                    version: "2025-04-14".into(),
                    sku: Sku::Global,
                    ptu: 15,
                    created: None,
                    modified: None,
                    failed: false,
                },
                ObservedDeployment {
                    id: format!("{west}/deployments/mini"),
                    resource: west.clone(),
                    model: "o3-mini".into(),
                    version: "2025-01-31".into(),
                    sku: Sku::DataZone,
                    ptu: 25,
                    created: Some(t("2026-09-15T00:00:00Z")),
                    modified: None,
                    failed: false,
                },
            ],
            skipped: vec![
                skipped(
                    "deployment turbo on aoai-east",
                    "SKU Standard is not provisioned throughput"
                ),
                skipped(
                    "deployment embed on aoai-east",
                    "SKU GlobalStandard is not provisioned throughput"
                ),
            ],
            ..Default::default()
        }
    );
}

#[test]
fn account_commitment_plans() {
    let b = load(
        "commitment-plans.json",
        Format::CommitmentPlans,
        &Placement::default(),
    );
    let east = account_id(SUB_A, "rg-ml", "aoai-east");
    let west = account_id(SUB_B, "rg-apps", "aoai-west");
    assert_eq!(
        b,
        Batch {
            commitments: vec![
                ObservedCommitment {
                    id: format!("{east}/commitmentplans/ptu-plan"),
                    resource: east,
                    ptu: 300,
                    term_start: t("2026-11-01T00:00:00Z"),
                    term_end: Some(t("2026-12-01T00:00:00Z")),
                    auto_renew: true,
                    next_ptu: Some(250),
                },
                ObservedCommitment {
                    id: format!("{west}/commitmentplans/plain"),
                    resource: west,
                    ptu: 100,
                    term_start: t("2026-11-20T08:00:00Z"),
                    term_end: None,
                    auto_renew: false,
                    next_ptu: None,
                },
            ],
            skipped: vec![skipped(
                "commitment plan stt on speech-eu",
                "hosting model Web is not provisioned throughput (only ProvisionedWeb plans are)"
            )],
            ..Default::default()
        }
    );
}

#[test]
fn shared_plans_and_their_associations() {
    let plan = format!(
        "/subscriptions/{SUB_A}/resourcegroups/rg-ml/providers/microsoft.cognitiveservices/commitmentplans/shared-ptu"
    );
    let b = load(
        "shared-plan.json",
        Format::CommitmentPlans,
        &Placement::default(),
    );
    assert_eq!(
        b,
        Batch {
            shared_plans: vec![ObservedCommitment {
                id: plan.clone(),
                resource: String::new(),
                ptu: 200,
                term_start: t("2026-11-05T00:00:00Z"),
                term_end: Some(t("2026-12-05T00:00:00Z")),
                auto_renew: false,
                next_ptu: None,
            }],
            ..Default::default()
        }
    );
    let b = load(
        "plan-associations.json",
        Format::CommitmentPlans,
        &Placement::default(),
    );
    assert_eq!(
        b.plan_associations,
        vec![(plan, account_id(SUB_A, "rg-ml", "aoai-east"))]
    );
    assert_eq!(b.skipped, vec![]);
}

#[test]
fn usages_become_quotas_placed_by_the_command_line() {
    let b = load("usages.json", Format::Usages, &placed());
    let q = |sku, limit| Quota {
        subscription: SUB_A.into(),
        region: "eastus2".into(),
        sku,
        limit,
        model: None,
        version: None,
    };
    assert_eq!(
        b,
        Batch {
            quotas: vec![
                q(Sku::Regional, 500),
                q(Sku::Global, 200),
                q(Sku::DataZone, 100)
            ],
            skipped: vec![
                skipped(
                    "usage OpenAI.Standard.gpt-4o",
                    "not a provisioned-throughput quota"
                ),
                skipped("usage AccountCount", "not a provisioned-throughput quota"),
            ],
            ..Default::default()
        }
    );
    // A subscription given as an ARM path is reduced to its id.
    let p = Placement {
        subscription: Some(format!("/subscriptions/{SUB_B}")),
        region: Some("swedencentral".into()),
        at: None,
    };
    let b = parse(
        "usages.json",
        &read("usages.json"),
        Format::Usages,
        &p,
        now(),
    )
    .unwrap();
    assert!(
        b.quotas
            .iter()
            .all(|q| q.subscription == SUB_B && q.region == "swedencentral"),
        "{:?}",
        b.quotas
    );
}

fn res_id(n: u32) -> String {
    format!(
        "/providers/microsoft.capacity/reservationorders/aaaa000{n}-0000-4000-8000-00000000000{n}/reservations/bbbb000{n}-0000-4000-8000-00000000000{n}"
    )
}

#[test]
fn reservations_of_every_scope_type() {
    let b = load(
        "reservations.json",
        Format::Reservations,
        &Placement::default(),
    );
    let r = |n: u32,
             name: &str,
             region: &str,
             sku: Sku,
             ptu: i64,
             term: Term,
             billing: Billing,
             start: &str,
             scope: Scope,
             renew: bool| Reservation {
        id: res_id(n),
        name: name.into(),
        region: region.into(),
        sku,
        ptu,
        term,
        billing,
        start: t(start),
        scope,
        scope_changes: vec![],
        renewal: if renew {
            ReservationRenewal::Autorenew
        } else {
            ReservationRenewal::None
        },
        renewal_changes: vec![],
        refunded_at: None,
        price: None,
        refunded_approximate: false,
        refunded_reported: false,
        moved_at: None,
        effective_from: None,
    };
    let expected = Batch {
        reservations: vec![
            r(
                1,
                "east regional",
                "eastus2",
                Sku::Regional,
                200,
                Term::OneMonth,
                Billing::Upfront,
                // benefitStartTime, not the later effectiveDateTime (a new version).
                "2026-11-20T08:00:00Z",
                Scope::ResourceGroup {
                    subscription: SUB_A.into(),
                    resource_group: "rg-ml".into(),
                },
                false,
            ),
            r(
                2,
                "global yearly",
                "eastus2",
                Sku::Global,
                300,
                Term::OneYear,
                Billing::Monthly,
                "2026-06-15T12:00:00Z",
                Scope::Subscription {
                    subscription: SUB_A.into(),
                },
                true,
            ),
            r(
                3,
                "Provisioned Managed Data Zone prod",
                "swedencentral",
                Sku::DataZone,
                50,
                Term::OneYear,
                Billing::Upfront,
                "2026-07-01T00:00:00Z",
                Scope::ManagementGroup {
                    management_group: "mg-prod".into(),
                },
                false,
            ),
            r(
                4,
                "sweden shared",
                "swedencentral",
                Sku::Global,
                100,
                Term::OneMonth,
                Billing::Monthly,
                "2026-11-01T00:00:00Z",
                Scope::Shared {
                    billing_account: format!("/subscriptions/{SUB_D}"),
                },
                true,
            ),
            r(
                5,
                "old west",
                "westus3",
                Sku::Regional,
                75,
                Term::OneMonth,
                Billing::Upfront,
                "2025-01-10T00:00:00Z",
                Scope::Shared {
                    billing_account: "shared".into(),
                },
                false,
            ),
        ],
        cancelled_reservations: vec![res_id(6)],
        billing_accounts: vec![
            BillingAccount {
                id: format!("/subscriptions/{SUB_C}"),
                subscriptions: vec![SUB_C.into(), SUB_A.into()],
            },
            BillingAccount {
                id: format!("/subscriptions/{SUB_D}"),
                subscriptions: vec![SUB_D.into()],
            },
            BillingAccount {
                id: "shared".into(),
                subscriptions: vec![],
            },
        ],
        management_groups: vec![ManagementGroup {
            id: "mg-prod".into(),
            parent: None,
            subscriptions: vec![],
        }],
        skipped: vec![
            skipped(
                "reservation VM_RI_build_agents",
                "reserved resource type VirtualMachines (SKU Standard_D2s_v3) is not provisioned throughput",
            ),
            skipped(
                "reservation three years",
                "term P3Y is not offered for provisioned throughput (P1M or P1Y)",
            ),
        ],
        ..Default::default()
    };
    assert_eq!(b.reservations, expected.reservations);
    assert_eq!(b, expected);
}

#[test]
fn reservation_orders() {
    let b = load(
        "reservation-orders.json",
        Format::Reservations,
        &Placement::default(),
    );
    let order = |n: u32| {
        format!(
            "/providers/microsoft.capacity/reservationorders/aaaa000{n}-0000-4000-8000-00000000000{n}"
        )
    };
    assert_eq!(
        b,
        Batch {
            reservation_orders: vec![
                ReservationOrder {
                    id: order(1),
                    billing: Some(Billing::Upfront),
                    term: Some(Term::OneMonth),
                    start: Some(t("2026-11-20T08:00:00Z")),
                    reservations: vec![res_id(1)],
                },
                ReservationOrder {
                    id: order(2),
                    billing: Some(Billing::Monthly),
                    term: Some(Term::OneYear),
                    start: Some(t("2026-06-15T12:00:00.25Z")),
                    reservations: vec![
                        res_id(2),
                        format!(
                            "{}/reservations/bbbb0009-0000-4000-8000-000000000009",
                            order(2)
                        ),
                    ],
                },
                ReservationOrder {
                    id: order(7),
                    billing: None,
                    term: None,
                    start: Some(t("2025-02-01T00:00:00Z")),
                    reservations: vec![res_id(7)],
                },
            ],
            ..Default::default()
        }
    );
}

#[test]
fn a_reservation_takes_billing_term_and_start_from_its_order_in_the_same_file() {
    let doc = json!([
        {
            "id": "/providers/Microsoft.Capacity/reservationOrders/O1/reservations/R1",
            "type": "Microsoft.Capacity/reservationOrders/reservations",
            "location": "eastus2",
            "sku": {"name": "ProvisionedManaged_Global"},
            "properties": {"appliedScopeType": "Shared", "quantity": 20}
        },
        {
            "id": "/providers/Microsoft.Capacity/reservationOrders/O1",
            "type": "Microsoft.Capacity/reservationOrders",
            "properties": {"billingPlan": "Monthly", "term": "P1Y",
                           "benefitStartTime": "2026-03-01T00:00:00Z",
                           "reservations": [{"id": "/providers/Microsoft.Capacity/reservationOrders/O1/reservations/R1"}]}
        }
    ])
    .to_string();
    assert_eq!(
        detect("mixed.json", doc.as_bytes()).unwrap(),
        Format::Reservations
    );
    let b = parse(
        "mixed.json",
        doc.as_bytes(),
        Format::Reservations,
        &Placement::default(),
        now(),
    )
    .unwrap();
    assert_eq!(b.reservation_orders.len(), 1);
    let r = &b.reservations[0];
    assert_eq!(
        (r.billing, r.term, r.start, r.sku, r.ptu),
        (
            Billing::Monthly,
            Term::OneYear,
            t("2026-03-01T00:00:00Z"),
            Sku::Global,
            20
        )
    );
    assert_eq!(
        r.id,
        "/providers/microsoft.capacity/reservationorders/o1/reservations/r1"
    );
    // Without an order, an absent billing plan is up front.
    let alone = json!([doc_item_without_order()]).to_string();
    let b = parse(
        "alone.json",
        alone.as_bytes(),
        Format::Reservations,
        &Placement::default(),
        now(),
    )
    .unwrap();
    assert_eq!(b.reservations[0].billing, Billing::Upfront);
}

fn doc_item_without_order() -> serde_json::Value {
    json!({
        "id": "/providers/Microsoft.Capacity/reservationOrders/O2/reservations/R2",
        "type": "Microsoft.Capacity/reservationOrders/reservations",
        "location": "eastus2",
        "sku": {"name": "ProvisionedManaged_Global"},
        "properties": {"appliedScopeType": "Shared", "quantity": 20, "term": "P1M",
                       "purchaseDateTime": "2026-03-01T00:00:00Z"}
    })
}

#[test]
fn retail_prices_merge_per_region_and_sku_exactly() {
    let b = load(
        "retail-prices.json",
        Format::RetailPrices,
        &Placement::default(),
    );
    let row = |region: &str,
               sku,
               hourly: Option<&str>,
               month: Option<&str>,
               year: Option<&str>,
               as_of: &str| {
        PriceRow {
            region: region.into(),
            sku,
            hourly: hourly.map(dec),
            reservation_month: month.map(dec),
            reservation_year: year.map(dec),
            commitment_month: None,
            verified: Some(true),
            source: Some("Azure Retail Prices API".into()),
            as_of: Some(as_of.into()),
        }
    };
    assert_eq!(
        b.prices,
        vec![
            row(
                "eastus2",
                Sku::Global,
                Some("1.0"),
                None,
                None,
                "2024-11-01"
            ),
            row(
                "eastus2",
                Sku::DataZone,
                Some("1.1"),
                None,
                Some("2916.0000000000000000001"),
                "2025-02-01"
            ),
            row(
                "eastus2",
                Sku::Regional,
                Some("2.0"),
                Some("286"),
                None,
                "2025-02-01"
            ),
            // Two one-month prices: the later effective date wins.
            row(
                "swedencentral",
                Sku::Global,
                Some("1.0"),
                Some("260.00"),
                Some("2652"),
                "2025-09-01"
            ),
        ]
    );
    // Exact: not rounded through a float.
    assert_ne!(b.prices[1].reservation_year, Some(dec("2916")));
    assert_eq!(
        b.skipped,
        vec![
            skipped(
                "price Provisioned Managed Global Unit (Provisioned Managed Global) in eastus2",
                "product Azure Llama Models is not Azure OpenAI provisioned throughput"
            ),
            skipped(
                "price gpt-4o 0806 Inp glbl Tokens (gpt-4o-0806-Inp-glbl) in eastus2",
                "unit 1K is not the hourly PTU meter (1/Hour)"
            ),
        ]
    );
    assert_eq!(
        (b.deployments.len(), b.reservations.len(), b.quotas.len()),
        (0, 0, 0)
    );
}

#[test]
fn retail_prices_in_another_currency_and_further_pages_are_reported() {
    let doc = json!({
        "BillingCurrency": "EUR",
        "Items": [{
            "currencyCode": "EUR", "retailPrice": 0.93, "armRegionName": "westeurope",
            "effectiveStartDate": "2025-01-01T00:00:00Z", "meterName": "Provisioned Managed Global Unit",
            "productName": "Azure OpenAI", "skuName": "Provisioned Managed Global",
            "unitOfMeasure": "1/Hour", "type": "Consumption"
        }, {
            "currencyCode": "USD", "retailPrice": "1.00", "armRegionName": "westeurope",
            "meterName": "Provisioned Managed Global Unit",
            "productName": "Azure OpenAI", "skuName": "Provisioned Managed Global",
            "unitOfMeasure": "1/Hour", "type": "Consumption"
        }],
        "NextPageLink": "https://prices.azure.com/api/retail/prices?$skip=100"
    })
    .to_string();
    let b = parse(
        "p.json",
        doc.as_bytes(),
        Format::RetailPrices,
        &Placement::default(),
        now(),
    )
    .unwrap();
    assert_eq!(b.skipped.len(), 2, "{:?}", b.skipped);
    assert_eq!(
        b.skipped[0].why,
        "currency EUR; only USD prices are imported"
    );
    assert!(
        b.skipped[1].why.contains("NextPageLink"),
        "{:?}",
        b.skipped[1]
    );
    // No effective date: dated by the import.
    assert_eq!(b.prices.len(), 1);
    assert_eq!(b.prices[0].hourly, Some(dec("1.00")));
    assert_eq!(b.prices[0].as_of.as_deref(), Some("2027-01-15"));
}

#[test]
fn snapshot_files_are_delegated() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/interface_example.json"
    ))
    .unwrap();
    assert_eq!(detect("s.json", &bytes).unwrap(), Format::Snapshot);
    let b = parse(
        "s.json",
        &bytes,
        Format::Snapshot,
        &Placement::default(),
        now(),
    )
    .unwrap();
    let estate = b.snapshot.as_ref().expect("a snapshot");
    assert_eq!(estate.deployments[0].id, "chat");
    assert_eq!(
        Batch {
            snapshot: None,
            ..b.clone()
        },
        Batch::default()
    );
}

#[test]
fn rest_list_and_single_object_shapes_are_accepted() {
    let item = json!({
        "id": "/subscriptions/S/resourceGroups/G/providers/Microsoft.CognitiveServices/accounts/A",
        "type": "Microsoft.CognitiveServices/accounts",
        "location": "East US"
    });
    let expected = vec![Resource {
        id: "/subscriptions/s/resourcegroups/g/providers/microsoft.cognitiveservices/accounts/a"
            .into(),
        subscription: "s".into(),
        resource_group: "g".into(),
        region: "eastus".into(),
        deleted: None,
        purged: None,
        deleted_approximate: false,
        purged_approximate: false,
    }];
    for doc in [
        item.clone(),
        json!([item.clone()]),
        json!({"value": [item.clone()], "nextLink": null}),
        json!({"parameters": {}, "responses": {"200": {"body": {"value": [item.clone()]}}}}),
    ] {
        let bytes = doc.to_string();
        assert_eq!(
            detect("a.json", bytes.as_bytes()).unwrap(),
            Format::Accounts,
            "{doc}"
        );
        let b = parse(
            "a.json",
            bytes.as_bytes(),
            Format::Accounts,
            &Placement::default(),
            now(),
        )
        .unwrap();
        assert_eq!(b.resources, expected, "{doc}");
    }
}

#[test]
fn an_empty_list_parses_when_the_format_is_given() {
    for format in [Format::Deployments, Format::Usages, Format::Reservations] {
        let b = parse("e.json", b"[]", format, &placed(), now()).unwrap();
        assert_eq!(b, Batch::default());
    }
}

// ---------------------------------------------------------------------------
// Bad input: one error naming the file, the path and what was expected

#[test]
fn not_json() {
    let e = detect_err("junk.json", b"Subscription  Name\n-----");
    assert_error(&e, "junk.json", None, "not valid JSON");
    let e = parse_err(
        "junk.json",
        b"hello",
        Format::Deployments,
        &Placement::default(),
    );
    assert_error(&e, "junk.json", None, "not valid JSON");
}

#[test]
fn truncated() {
    let full = String::from_utf8(read("deployments.json")).unwrap();
    let cut = &full[..full.len() / 2];
    let e = detect_err("cut.json", cut.as_bytes());
    assert_eq!(e.file, "cut.json");
    assert!(e.message.contains("ends early"), "{e}");
    let e = parse_err(
        "cut.json",
        cut.as_bytes(),
        Format::Deployments,
        &Placement::default(),
    );
    assert!(e.message.contains("ends early"), "{e}");
    assert!(e.to_string().starts_with("cut.json: "), "{e}");
}

#[test]
fn wrong_top_level_type() {
    for doc in ["42", "\"deployments\"", "null", "true"] {
        let e = detect_err("t.json", doc.as_bytes());
        assert_error(&e, "t.json", Some("$"), "expected a JSON object or array");
        let e = parse_err(
            "t.json",
            doc.as_bytes(),
            Format::Accounts,
            &Placement::default(),
        );
        assert_error(&e, "t.json", Some("$"), "expected a JSON object or array");
    }
}

#[test]
fn unrelated_json_says_what_is_understood() {
    let e = detect_err("foo.json", br#"{"foo": 1}"#);
    assert_error(&e, "foo.json", None, "unrecognised JSON");
    assert!(e.message.contains("\"foo\""), "{e}");
    for understood in [
        "ptudesk.snapshot/1",
        "az cognitiveservices account list",
        "usage list",
        "az reservations reservation list",
        "Retail Prices",
    ] {
        assert!(
            e.message.contains(understood),
            "{e}\n  should name {understood}"
        );
    }
    let e = detect_err(
        "vms.json",
        json!([{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1",
                "type": "Microsoft.Compute/virtualMachines"}, {"name": "x"}])
        .to_string()
        .as_bytes(),
    );
    assert_error(&e, "vms.json", None, "Microsoft.Compute/virtualMachines");
    assert!(e.message.contains("ptudesk understands"), "{e}");
}

#[test]
fn an_empty_list_asks_for_format() {
    for doc in ["[]", "{\"value\": []}"] {
        let e = detect_err("empty.json", doc.as_bytes());
        assert_error(&e, "empty.json", None, "give --format");
        assert!(e.message.contains("deployments"), "{e}");
    }
}

#[test]
fn items_of_another_format_are_refused_at_their_type() {
    let bytes = read("accounts.json");
    let e = parse_err(
        "accounts.json",
        &bytes,
        Format::Deployments,
        &Placement::default(),
    );
    assert_error(
        &e,
        "accounts.json",
        Some("$[0].type"),
        "expected a deployment (type Microsoft.CognitiveServices/accounts/deployments)",
    );
    let e = parse_err(
        "accounts.json",
        &bytes,
        Format::RetailPrices,
        &Placement::default(),
    );
    assert_error(
        &e,
        "accounts.json",
        Some("$[0].type"),
        "expected a price item",
    );
    let mixed = json!([
        {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
         "type": "Microsoft.CognitiveServices/accounts", "location": "eastus"},
        {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/d",
         "type": "Microsoft.CognitiveServices/accounts/deployments"}
    ])
    .to_string();
    let e = detect_err("mixed.json", mixed.as_bytes());
    assert_error(
        &e,
        "mixed.json",
        Some("$[1]"),
        "mixes accounts ($[0]) with deployments",
    );
}

fn deployments_with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&read("deployments.json")).unwrap();
    edit(&mut v);
    v.to_string().into_bytes()
}

#[test]
fn bad_capacity() {
    for (cap, shown) in [
        (json!(-100), "-100"),
        (json!(0), "0"),
        (json!(12.5), "12.5"),
        (json!("300"), "\"300\""),
    ] {
        let bytes = deployments_with(|v| v[1]["sku"]["capacity"] = cap);
        let e = parse_err("d.json", &bytes, Format::Deployments, &Placement::default());
        assert_error(
            &e,
            "d.json",
            Some("$[1].sku.capacity"),
            &format!("expected the deployment's PTUs, a positive integer, got {shown}"),
        );
    }
    let bytes = deployments_with(|v| {
        v[0]["sku"].as_object_mut().unwrap().remove("capacity");
    });
    let e = parse_err("d.json", &bytes, Format::Deployments, &Placement::default());
    assert_error(&e, "d.json", Some("$[0].sku.capacity"), "missing");
}

#[test]
fn bad_deployment_fields() {
    let bytes = deployments_with(|v| v[2]["systemData"]["createdAt"] = json!("yesterday"));
    let e = parse_err("d.json", &bytes, Format::Deployments, &Placement::default());
    assert_error(
        &e,
        "d.json",
        Some("$[2].systemData.createdAt"),
        "an RFC 3339 time",
    );
    let bytes = deployments_with(|v| v[0]["properties"]["model"]["name"] = json!(4));
    let e = parse_err("d.json", &bytes, Format::Deployments, &Placement::default());
    assert_error(
        &e,
        "d.json",
        Some("$[0].properties.model.name"),
        "expected the model name (a string), got a number",
    );
    let bytes = deployments_with(|v| v[0]["id"] = json!("chat"));
    let e = parse_err("d.json", &bytes, Format::Deployments, &Placement::default());
    assert_error(&e, "d.json", Some("$[0].id"), "an ARM id");
}

#[test]
fn missing_start_date_of_a_provisioned_plan() {
    let mut v: serde_json::Value = serde_json::from_slice(&read("commitment-plans.json")).unwrap();
    v[0]["properties"]["current"]
        .as_object_mut()
        .unwrap()
        .remove("startDate");
    let e = parse_err(
        "plans.json",
        v.to_string().as_bytes(),
        Format::CommitmentPlans,
        &Placement::default(),
    );
    assert_error(
        &e,
        "plans.json",
        Some("$[0].properties.current.startDate"),
        "expected the current term's start",
    );
    // The Speech plan has no start date either, and is skipped, not refused.
    v[0]["properties"]["hostingModel"] = json!("ConnectedContainer");
    let b = parse(
        "plans.json",
        v.to_string().as_bytes(),
        Format::CommitmentPlans,
        &Placement::default(),
        now(),
    )
    .unwrap();
    assert_eq!(b.skipped.len(), 2);
    assert!(
        b.skipped[0].why.contains("ConnectedContainer"),
        "{:?}",
        b.skipped
    );
}

#[test]
fn usages_need_a_placement() {
    let bytes = read("usages.json");
    let e = parse_err("usages.json", &bytes, Format::Usages, &Placement::default());
    assert_error(
        &e,
        "usages.json",
        None,
        "az cognitiveservices usage list output carries neither subscription nor region: give --subscription and --region",
    );
    let half = Placement {
        subscription: Some(SUB_A.into()),
        region: None,
        at: None,
    };
    let e = parse_err("usages.json", &bytes, Format::Usages, &half);
    assert_error(&e, "usages.json", None, "give --region");
}

#[test]
fn duplicate_ids_name_both_paths() {
    let bytes = deployments_with(|v| {
        let copy = v[0].clone();
        v.as_array_mut().unwrap().push(copy);
    });
    let e = parse_err(
        "dup.json",
        &bytes,
        Format::Deployments,
        &Placement::default(),
    );
    assert_error(&e, "dup.json", Some("$[5]"), "duplicate id");
    assert!(e.message.contains("$[0]"), "{e}");

    let mut v: serde_json::Value = serde_json::from_slice(&read("reservations.json")).unwrap();
    let mut copy = v[1].clone();
    copy["id"] = json!(copy["id"].as_str().unwrap().to_uppercase());
    v.as_array_mut().unwrap().push(copy);
    let e = parse_err(
        "dup.json",
        v.to_string().as_bytes(),
        Format::Reservations,
        &Placement::default(),
    );
    assert_error(&e, "dup.json", Some("$[8]"), "also at $[1]");

    let mut v: serde_json::Value = serde_json::from_slice(&read("usages.json")).unwrap();
    let copy = v[0].clone();
    v.as_array_mut().unwrap().push(copy);
    let e = parse_err(
        "dup.json",
        v.to_string().as_bytes(),
        Format::Usages,
        &placed(),
    );
    assert_error(&e, "dup.json", Some("$[5]"), "also at $[0]");
}

#[test]
fn bad_reservation_fields() {
    let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_slice(&read("reservations.json")).unwrap();
        edit(&mut v);
        parse_err(
            "r.json",
            v.to_string().as_bytes(),
            Format::Reservations,
            &Placement::default(),
        )
    };
    let e = bad(&|v| v[0]["properties"]["quantity"] = json!(-5));
    assert_error(
        &e,
        "r.json",
        Some("$[0].properties.quantity"),
        "a positive integer",
    );
    let e = bad(&|v| v[1]["properties"]["billingPlan"] = json!("Quarterly"));
    assert_error(
        &e,
        "r.json",
        Some("$[1].properties.billingPlan"),
        "Upfront or Monthly",
    );
    let e = bad(&|v| v[3]["properties"]["appliedScopeType"] = json!("Tenant"));
    assert_error(
        &e,
        "r.json",
        Some("$[3].properties.appliedScopeType"),
        "Single, ManagementGroup or Shared",
    );
    let e = bad(&|v| {
        v[2]["properties"]["appliedScopeProperties"]
            .as_object_mut()
            .unwrap()
            .remove("managementGroupId");
    });
    assert_error(
        &e,
        "r.json",
        Some("$[2].properties.appliedScopeProperties.managementGroupId"),
        "the management group",
    );
    let e = bad(&|v| v[0]["properties"]["appliedScopes"] = json!(["/providers/x"]));
    assert_error(
        &e,
        "r.json",
        Some("$[0].properties.appliedScopes[0]"),
        "/subscriptions/<id>",
    );
}

#[test]
fn bad_price() {
    let mut v: serde_json::Value = serde_json::from_slice(&read("retail-prices.json")).unwrap();
    v["Items"][3]["retailPrice"] = json!("lots");
    let e = parse_err(
        "prices.json",
        v.to_string().as_bytes(),
        Format::RetailPrices,
        &Placement::default(),
    );
    assert_error(
        &e,
        "prices.json",
        Some("$.Items[3].retailPrice"),
        "expected the price",
    );
    let e = parse_err(
        "prices.json",
        br#"{"Items": {"retailPrice": 1}}"#,
        Format::RetailPrices,
        &Placement::default(),
    );
    assert_error(&e, "prices.json", Some("$.Items"), "an array");
}

#[test]
fn a_snapshot_given_another_format_is_refused() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/interface_example.json"
    ))
    .unwrap();
    let e = parse_err("s.json", &bytes, Format::Deployments, &Placement::default());
    assert_error(&e, "s.json", None, "got a ptudesk.snapshot/1 file");
    let e = parse_err(
        "p.json",
        &read("retail-prices.json"),
        Format::Reservations,
        &Placement::default(),
    );
    assert_error(&e, "p.json", None, "got an Azure Retail Prices API answer");
}

// ---------------------------------------------------------------------------
// Where each object was read (for errors the merged estate finds)

#[test]
fn origins_name_the_json_path_each_field_was_read_from() {
    let parse_file = |name: &str, format: Format, placement: &Placement| {
        parse(name, &read(name), format, placement, now()).unwrap()
    };
    let east = account_id(SUB_A, "rg-ml", "aoai-east");
    let b = parse_file(
        "deployments.json",
        Format::Deployments,
        &Placement::default(),
    );
    let o = &b.origins[&("deployments", format!("{east}/deployments/chat"))];
    assert_eq!(o.path, "$[0]");
    assert_eq!(o.path_of(".sizes[0].ptu"), "$[0].sku.capacity");
    assert_eq!(o.path_of(".sizes[0].at"), "$[0].systemData.createdAt");
    assert_eq!(o.path_of(".resource"), "$[0].id");
    assert_eq!(o.path_of(".deleted"), "$[0]", "a field not read: the item");
    // Without systemData, the creation time is the import's: the capacity stands for it.
    let o = &b.origins[&("deployments", format!("{east}/deployments/global-41"))];
    assert_eq!(o.path_of(".sizes[0].at"), "$[1].sku.capacity");

    let b = parse_file(
        "commitment-plans.json",
        Format::CommitmentPlans,
        &Placement::default(),
    );
    let o = &b.origins[&("commitments", format!("{east}/commitmentplans/ptu-plan"))];
    assert_eq!(o.path_of(".ptu"), "$[0].properties.current.count");
    assert_eq!(
        o.path_of(".additions[0].ptu"),
        "$[0].properties.current.count"
    );
    assert_eq!(o.path_of(".start"), "$[0].properties.current.startDate");
    assert_eq!(o.path_of(".renewal.ptu"), "$[0].properties.next.count");
    assert_eq!(
        o.path_of(".renewal_changes[2].renewal.ptu"),
        "$[0].properties.next.count"
    );
    // A plan without `next`: its renewal comes from autoRenew.
    let west = account_id(SUB_B, "rg-apps", "aoai-west");
    let o = &b.origins[&("commitments", format!("{west}/commitmentplans/plain"))];
    assert_eq!(o.path_of(".renewal"), "$[1].properties.autoRenew");
    assert!(
        !b.origins.keys().any(|(_, k)| k.contains("speech-eu")),
        "a skipped plan has no origin"
    );

    let b = parse_file(
        "reservations.json",
        Format::Reservations,
        &Placement::default(),
    );
    let o = &b.origins[&("reservations", res_id(1))];
    assert_eq!(o.path_of(".ptu"), "$[0].properties.quantity");
    assert_eq!(o.path_of(".start"), "$[0].properties.benefitStartTime");
    assert_eq!(
        o.path_of(".scope.subscription"),
        "$[0].properties.appliedScopes[0]"
    );
    assert_eq!(
        b.origins[&("management_groups", "mg-prod".to_string())].path,
        "$[2].properties.appliedScopeProperties.managementGroupId"
    );

    let b = parse_file("accounts.json", Format::Accounts, &Placement::default());
    assert_eq!(
        b.origins[&("resources", east.clone())].path_of(".region"),
        "$[0].location"
    );

    let b = parse_file("usages.json", Format::Usages, &placed());
    let (key, o) = b.origins.iter().next().unwrap();
    assert_eq!(key.0, "quotas");
    assert!(o.path_of(".limit").ends_with("].limit"), "{o:?}");

    let b = parse_file(
        "retail-prices.json",
        Format::RetailPrices,
        &Placement::default(),
    );
    let o = &b.origins[&("prices", "eastus2|ProvisionedManaged".to_string())];
    assert_eq!(o.path, "$.Items[0]");
    assert_eq!(o.path_of(".hourly"), "$.Items[0].retailPrice");
    assert!(o.path_of(".reservation_month").starts_with("$.Items["));
}

/// commitment-plans.json with the first plan edited.
fn plans_with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&read("commitment-plans.json")).unwrap();
    edit(&mut v[0]["properties"]);
    v.to_string().into_bytes()
}

#[test]
fn commitment_counts_off_the_50_ptu_step_are_refused_at_their_path() {
    let cases: [(&str, serde_json::Value, &str); 4] = [
        ("current", json!(120), "$[0].properties.current.count"),
        ("next", json!(120), "$[0].properties.next.count"),
        // Renewing at more than the current count is still a commitment count.
        ("next", json!(330), "$[0].properties.next.count"),
        ("current", json!(2_000_000), "$[0].properties.current.count"),
    ];
    for (block, count, path) in cases {
        let bytes = plans_with(|p| p[block]["count"] = count.clone());
        let e = parse_err(
            "plans.json",
            &bytes,
            Format::CommitmentPlans,
            &Placement::default(),
        );
        let expected = if count == json!(2_000_000) {
            "expected at most 1000000 PTU"
        } else {
            "expected a multiple of 50 PTU"
        };
        assert_error(&e, "plans.json", Some(path), expected);
    }
}

#[test]
fn a_commitment_term_end_must_be_one_month_after_its_start() {
    let bytes = plans_with(|p| p["current"]["endDate"] = json!("2026-12-02T00:00:00Z"));
    let e = parse_err(
        "plans.json",
        &bytes,
        Format::CommitmentPlans,
        &Placement::default(),
    );
    assert_error(
        &e,
        "plans.json",
        Some("$[0].properties.current.endDate"),
        "expected the end of the one-month term that starts 2026-11-01T00:00:00Z",
    );
    assert!(e.message.contains("i.e. 2026-12-01T00:00:00Z"), "{e}");
    // A date-only end on the right day agrees.
    let bytes = plans_with(|p| p["current"]["endDate"] = json!("2026-12-01"));
    parse(
        "plans.json",
        &bytes,
        Format::CommitmentPlans,
        &Placement::default(),
        now(),
    )
    .unwrap();
}

/// reservations.json's first reservation (P1M from benefitStartTime
/// 2026-11-20T08:00:00Z), edited.
fn first_reservation_with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_slice(&read("reservations.json")).unwrap();
    let mut first = v[0].clone();
    edit(&mut first["properties"]);
    json!([first]).to_string().into_bytes()
}

#[test]
fn a_reservation_expiry_must_be_its_start_plus_its_term() {
    // The fixture's own expiry agrees (start + P1M), to the second.
    let bytes = first_reservation_with(|_| {});
    let b = parse(
        "r.json",
        &bytes,
        Format::Reservations,
        &Placement::default(),
        now(),
    )
    .unwrap();
    assert_eq!(b.reservations[0].start, t("2026-11-20T08:00:00Z"));
    // Fractions of a second are Azure's rounding, not a disagreement.
    let bytes = first_reservation_with(|p| {
        p["benefitStartTime"] = json!("2026-11-20T08:00:00.25Z");
        p["expiryDateTime"] = json!("2026-12-20T08:00:00.7632798Z");
    });
    parse(
        "r.json",
        &bytes,
        Format::Reservations,
        &Placement::default(),
        now(),
    )
    .unwrap();
    // A date-only expiry is compared by date.
    let bytes = first_reservation_with(|p| {
        p.as_object_mut().unwrap().remove("expiryDateTime");
        p["expiryDate"] = json!("2026-12-20");
    });
    parse(
        "r.json",
        &bytes,
        Format::Reservations,
        &Placement::default(),
        now(),
    )
    .unwrap();

    let bytes = first_reservation_with(|p| p["expiryDateTime"] = json!("2026-12-21T08:00:00Z"));
    let e = parse_err(
        "r.json",
        &bytes,
        Format::Reservations,
        &Placement::default(),
    );
    assert_error(
        &e,
        "r.json",
        Some("$[0].properties.expiryDateTime"),
        "expected the end of the P1M term that starts 2026-11-20T08:00:00Z (at $[0].properties.benefitStartTime), i.e. 2026-12-20T08:00:00Z, got 2026-12-21T08:00:00Z",
    );
    let bytes = first_reservation_with(|p| {
        p.as_object_mut().unwrap().remove("expiryDateTime");
        p["expiryDate"] = json!("2026-12-19");
    });
    let e = parse_err(
        "r.json",
        &bytes,
        Format::Reservations,
        &Placement::default(),
    );
    assert_error(
        &e,
        "r.json",
        Some("$[0].properties.expiryDate"),
        "i.e. 2026-12-20T08:00:00Z",
    );
    // A P1Y reservation is a year: one month is not its expiry.
    let bytes = first_reservation_with(|p| p["term"] = json!("P1Y"));
    let e = parse_err(
        "r.json",
        &bytes,
        Format::Reservations,
        &Placement::default(),
    );
    assert_error(
        &e,
        "r.json",
        Some("$[0].properties.expiryDateTime"),
        "i.e. 2027-11-20T08:00:00Z",
    );
}

#[test]
fn byte_order_marks_and_utf16_as_windows_powershell_writes_them() {
    let text = String::from_utf8(read("accounts.json")).unwrap();
    let plain = load("accounts.json", Format::Accounts, &Placement::default());
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend(text.as_bytes());
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for (what, bytes) in [
        ("UTF-8 BOM", &utf8_bom),
        ("UTF-16LE", &le),
        ("UTF-16BE", &be),
    ] {
        assert_eq!(detect("a.json", bytes), Ok(Format::Accounts), "{what}");
        let mut b = parse(
            "a.json",
            bytes,
            Format::Accounts,
            &Placement::default(),
            now(),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        b.origins.clear();
        assert_eq!(b, plain, "{what}");
    }
    // A snapshot too.
    let snap = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/interface_example.json"
    ))
    .unwrap();
    let mut le = vec![0xFF, 0xFE];
    le.extend(snap.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(detect("s.json", &le), Ok(Format::Snapshot));
    let b = parse(
        "s.json",
        &le,
        Format::Snapshot,
        &Placement::default(),
        now(),
    )
    .unwrap();
    assert_eq!(b.snapshot.unwrap().deployments[0].id, "chat");

    // What can't be read is named for what it is.
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_error(
        &detect_err("a.json", &no_bom),
        "a.json",
        None,
        "looks like UTF-16 without a byte-order mark",
    );
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    utf32.extend(text.chars().flat_map(|c| (c as u32).to_le_bytes()));
    assert_error(
        &detect_err("a.json", &utf32),
        "a.json",
        None,
        "the file is UTF-32",
    );
    let mut odd = le.clone();
    odd.pop();
    assert_error(&detect_err("a.json", &odd), "a.json", None, "UTF-16LE");
    // A lone surrogate is not UTF-16.
    let bad = [0xFF, 0xFE, b'[', 0, 0x00, 0xD8, b']', 0];
    assert_error(
        &detect_err("a.json", &bad),
        "a.json",
        None,
        "invalid UTF-16LE",
    );
}

// ---------------------------------------------------------------------------
// Merging into the store's timeline

use ptudesk::domain::{Addition, CommitmentRenewal, CommitmentRenewalChange, Estate};
use ptudesk::ingest::merge::{FileBatch, merge, merge_price};

fn batch_of(file: &str, bytes: &[u8], format: Format, at: Time) -> FileBatch {
    FileBatch {
        file: file.into(),
        batch: parse(file, bytes, format, &placed(), at).unwrap_or_else(|e| panic!("{e}")),
    }
}

/// accounts.json and `plans` (commitment-plans.json unless edited), merged into `into` at `at`.
fn merge_plans(into: &Estate, plans: &[u8], at: &str) -> (Estate, Vec<Skipped>) {
    let at = t(at);
    let batches = [
        batch_of(
            "accounts.json",
            &read("accounts.json"),
            Format::Accounts,
            at,
        ),
        batch_of("plans.json", plans, Format::CommitmentPlans, at),
    ];
    merge(into, &batches, at).unwrap_or_else(|e| panic!("{e}"))
}

fn ptu_plan(e: &Estate) -> &ptudesk::domain::Commitment {
    e.commitments
        .iter()
        .find(|c| c.id.ends_with("/commitmentplans/ptu-plan"))
        .unwrap()
}

fn why_skipped<'a>(skipped: &'a [Skipped], plan: &str) -> Vec<&'a str> {
    skipped
        .iter()
        .filter(|s| s.what.ends_with(plan))
        .map(|s| s.why.as_str())
        .collect()
}

#[test]
fn a_plan_is_compared_with_the_store_for_the_term_it_describes() {
    let plans = read("commitment-plans.json");
    // Term 2026-11-01 to 12-01 at 300 PTU, renewing at 250.
    let (first, _) = merge_plans(&Estate::empty(), &plans, "2026-11-25T00:00:00Z");
    let c = ptu_plan(&first);
    assert_eq!((c.start, c.ptu), (t("2026-11-01T00:00:00Z"), 300));
    assert_eq!(c.renewal, CommitmentRenewal::AutorenewLower(250));
    // After the term ended (the store now has 250 PTU in force), the same
    // file describes the past term, which agrees: nothing changes.
    let (again, skipped) = merge_plans(&first, &plans, "2026-12-03T00:00:00Z");
    assert_eq!(again, first);
    assert!(why_skipped(&skipped, "ptu-plan").is_empty(), "{skipped:?}");

    // A stale file imported twice at one instant long after its term: the
    // first import and the second agree.
    let (stale, _) = merge_plans(&Estate::empty(), &plans, "2027-01-10T00:00:00Z");
    let (twice, skipped) = merge_plans(&stale, &plans, "2027-01-10T00:00:00Z");
    assert_eq!(twice, stale);
    assert!(why_skipped(&skipped, "ptu-plan").is_empty(), "{skipped:?}");

    // The renewed term as Azure shows it (250 PTU, next 250): the store's
    // "renew at 250" and Azure's "renew at the 250 in force" agree.
    let renewed = plans_with(|p| {
        p["current"] = json!({"count": 250, "startDate": "2026-12-01T00:00:00Z", "endDate": "2027-01-01T00:00:00Z"});
        p["next"] = json!({"count": 250});
    });
    let (after, skipped) = merge_plans(&first, &renewed, "2026-12-10T00:00:00Z");
    assert_eq!(after, first);
    assert!(why_skipped(&skipped, "ptu-plan").is_empty(), "{skipped:?}");
}

#[test]
fn a_plan_that_grew_during_the_term_in_force_gets_an_addition_now() {
    let (first, _) = merge_plans(
        &Estate::empty(),
        &read("commitment-plans.json"),
        "2026-11-10T00:00:00Z",
    );
    let grown = plans_with(|p| p["current"]["count"] = json!(350));
    let (e, _) = merge_plans(&first, &grown, "2026-11-20T00:00:00Z");
    let c = ptu_plan(&e);
    assert_eq!(
        c.additions,
        vec![Addition {
            at: t("2026-11-20T00:00:00Z"),
            ptu: 50,
            approximate: true
        }]
    );
    // Renewal at 250 still differs from renewing at the 350 in force: no change there.
    assert!(c.renewal_changes.is_empty());
    // The same observation again is a no-op.
    let (again, _) = merge_plans(&e, &grown, "2026-11-21T00:00:00Z");
    assert_eq!(again, e);

    // Renewal switched off during the term: a renewal change at the import.
    let off = plans_with(|p| p["autoRenew"] = json!(false));
    let (e, _) = merge_plans(&first, &off, "2026-11-22T00:00:00Z");
    assert_eq!(
        ptu_plan(&e).renewal_changes,
        vec![CommitmentRenewalChange {
            at: t("2026-11-22T00:00:00Z"),
            renewal: CommitmentRenewal::None,
            approximate: true
        }]
    );
}

#[test]
fn an_observation_of_a_term_not_in_force_changes_nothing_and_says_why_it_disagrees() {
    let (first, _) = merge_plans(
        &Estate::empty(),
        &read("commitment-plans.json"),
        "2026-11-10T00:00:00Z",
    );
    // A file of the November term saying 350 PTU, imported in December.
    let grown = plans_with(|p| p["current"]["count"] = json!(350));
    let (e, skipped) = merge_plans(&first, &grown, "2026-12-03T00:00:00Z");
    assert_eq!(e, first, "a past term is not rewritten");
    let why = why_skipped(&skipped, "ptu-plan");
    assert_eq!(why.len(), 1, "{skipped:?}");
    assert!(
        why[0].starts_with("it describes the term 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z, which ended before the import time 2026-12-03T00:00:00Z; Azure shows 350 PTU and renewal at 250 PTU, the store 300 PTU and renewal at 250 PTU"),
        "{why:?}"
    );
    assert_eq!(
        skipped
            .iter()
            .find(|s| s.what.ends_with("ptu-plan"))
            .unwrap()
            .object
            .as_deref(),
        Some(ptu_plan(&e).id.as_str())
    );
    // A term that doesn't line up with the store's.
    let off =
        plans_with(|p| p["current"] = json!({"count": 300, "startDate": "2026-11-15T00:00:00Z"}));
    let (e, skipped) = merge_plans(&first, &off, "2026-11-20T00:00:00Z");
    assert_eq!(e, first);
    assert!(
        why_skipped(&skipped, "ptu-plan")[0].contains(
            "does not line up with the store's term 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z"
        ),
        "{skipped:?}"
    );
    // Fewer PTU than the store has in force: a commitment does not shrink mid-term.
    let fewer = plans_with(|p| p["current"]["count"] = json!(250));
    let (e, skipped) = merge_plans(&first, &fewer, "2026-11-20T00:00:00Z");
    assert_eq!(e, first);
    assert!(why_skipped(&skipped, "ptu-plan")[0].contains("does not shrink during a term"));
}

#[test]
fn merge_errors_name_the_file_and_the_path_of_the_input_object() {
    let at = t("2026-11-25T00:00:00Z");
    let deps = batch_of(
        "deps.json",
        &read("deployments.json"),
        Format::Deployments,
        at,
    );
    // An account neither imported nor stored.
    let e = merge(&Estate::empty(), std::slice::from_ref(&deps), at).unwrap_err();
    assert_error(
        &e,
        "deps.json",
        Some("$[0].id"),
        "which is neither in this import nor in the store",
    );
    let plans = batch_of(
        "plans.json",
        &read("commitment-plans.json"),
        Format::CommitmentPlans,
        at,
    );
    let e = merge(&Estate::empty(), std::slice::from_ref(&plans), at).unwrap_err();
    assert_error(
        &e,
        "plans.json",
        Some("$[0].id"),
        "which is neither in this import nor in the store",
    );

    let accounts = batch_of(
        "accounts.json",
        &read("accounts.json"),
        Format::Accounts,
        at,
    );
    let (stored, _) = merge(&Estate::empty(), &[accounts], at).unwrap();
    // A stored deployment with a size planned after the import time.
    let (mut planned, _) = merge(&stored, std::slice::from_ref(&deps), at).unwrap();
    planned.deployments[0].sizes.push(ptudesk::domain::Size {
        at: t("2026-12-01T00:00:00Z"),
        ptu: 400,
        approximate: false,
    });
    let mut v: serde_json::Value = serde_json::from_slice(&read("deployments.json")).unwrap();
    v[0]["sku"]["capacity"] = json!(350);
    let resized = batch_of(
        "deps.json",
        v.to_string().as_bytes(),
        Format::Deployments,
        at,
    );
    let e = merge(&planned, &[resized], at).unwrap_err();
    assert_error(
        &e,
        "deps.json",
        Some("$[0].sku.capacity"),
        "has a size dated at or after the import time",
    );

    // A rule only the merged estate checks, at the az member it was read from.
    let mut v: serde_json::Value = serde_json::from_slice(&read("deployments.json")).unwrap();
    v[0]["systemData"]["createdAt"] = json!("1999-01-01T00:00:00Z");
    let old = batch_of(
        "deps.json",
        v.to_string().as_bytes(),
        Format::Deployments,
        at,
    );
    let e = merge(&stored, &[old], at).unwrap_err();
    assert_error(
        &e,
        "deps.json",
        Some("$[0].systemData.createdAt"),
        "expected a time between 2000 and 2200",
    );

    // A snapshot in another currency than the store's.
    let mut eur = Estate::empty();
    eur.currency = "EUR".into();
    let snap = FileBatch {
        file: "s.json".into(),
        batch: ptudesk::ingest::batch::Batch {
            snapshot: Some(eur),
            ..Default::default()
        },
    };
    let e = merge(&stored, &[snap], at).unwrap_err();
    assert_error(
        &e,
        "s.json",
        Some("$.currency"),
        "expected USD, the currency of the store's amounts; this file is in EUR",
    );
}

fn snapshot_batch(file: &str, doc: serde_json::Value) -> FileBatch {
    FileBatch {
        file: file.into(),
        batch: parse(
            file,
            doc.to_string().as_bytes(),
            Format::Snapshot,
            &placed(),
            now(),
        )
        .unwrap_or_else(|e| panic!("{e}")),
    }
}

#[test]
fn a_snapshot_may_refer_to_what_the_store_holds() {
    let at = t("2026-11-25T00:00:00Z");
    let accounts = batch_of(
        "accounts.json",
        &read("accounts.json"),
        Format::Accounts,
        at,
    );
    let (stored, _) = merge(&Estate::empty(), &[accounts], at).unwrap();
    let east = account_id(SUB_A, "rg-ml", "aoai-east");
    let dep = |resource: &str| {
        json!({"schema": "ptudesk.snapshot/1", "currency": "USD", "deployments": [
            {"id": "other", "resource": "aoai-nowhere", "model": "gpt-4o", "version": "2024-08-06",
             "sku": "ProvisionedManaged", "sizes": [{"at": "2026-11-01T00:00:00Z", "ptu": 50}]},
            {"id": "chat", "resource": resource, "model": "gpt-4o", "version": "2024-08-06",
             "sku": "ProvisionedManaged", "sizes": [{"at": "2026-11-01T00:00:00Z", "ptu": 100}]}
        ], "resources": [{"id": "aoai-nowhere", "subscription": "s", "resource_group": "rg", "region": "eastus2"}]})
    };
    let (e, _) = merge(&stored, &[snapshot_batch("s.json", dep(&east))], at).unwrap();
    assert_eq!(
        e.deployments
            .iter()
            .find(|d| d.id == "chat")
            .unwrap()
            .resource,
        east
    );
    // Neither in the file nor in the store: the file's path, and what was expected.
    let err = merge(&stored, &[snapshot_batch("s.json", dep("aoai-ghost"))], at).unwrap_err();
    assert_error(
        &err,
        "s.json",
        Some("$.deployments[1].resource"),
        "expected the id of a resource in this file or in the store, got \"aoai-ghost\"",
    );
    // The same id twice in one file is refused before merging folds them.
    let twice = json!({"schema": "ptudesk.snapshot/1", "currency": "USD", "resources": [
        {"id": "r", "subscription": "s", "resource_group": "rg", "region": "eastus2"},
        {"id": "r", "subscription": "s", "resource_group": "rg", "region": "westus"}]});
    let err = parse(
        "s.json",
        twice.to_string().as_bytes(),
        Format::Snapshot,
        &placed(),
        now(),
    )
    .unwrap_err();
    assert_error(
        &err,
        "s.json",
        Some("$.resources[1].id"),
        "expected unique resource ids; \"r\" appears twice (also at $.resources[0])",
    );
}

#[test]
fn a_stored_object_the_import_makes_invalid_is_named_with_the_import() {
    let at = t("2026-11-25T00:00:00Z");
    let accounts = batch_of(
        "accounts.json",
        &read("accounts.json"),
        Format::Accounts,
        at,
    );
    let deps = batch_of(
        "deps.json",
        &read("deployments.json"),
        Format::Deployments,
        at,
    );
    let (stored, _) = merge(&Estate::empty(), &[accounts, deps], at).unwrap();
    let east = account_id(SUB_A, "rg-ml", "aoai-east");
    // The account deleted before its stored deployments were created.
    let doc = json!({"schema": "ptudesk.snapshot/1", "currency": "USD", "resources": [
        {"id": east, "subscription": SUB_A, "resource_group": "rg-ml", "region": "eastus2",
         "deleted": "2020-01-01T00:00:00Z"}]});
    let err = merge(&stored, &[snapshot_batch("gone.json", doc)], at).unwrap_err();
    assert_eq!(err.file, "gone.json");
    assert_eq!(err.path, None);
    assert!(
        err.message.starts_with(&format!(
            "this import would leave the store's deployment {east}/deployments/chat invalid: sizes[0].at: expected a creation before resource"
        )),
        "{err}"
    );
}

fn price(region: &str, fields: serde_json::Value) -> PriceRow {
    let mut v = json!({"region": region, "sku": "ProvisionedManaged"});
    v.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    serde_json::from_value(v).unwrap()
}

#[test]
fn price_rows_merge_field_by_field() {
    let retail = price(
        "eastus2",
        json!({"hourly": "2.0", "reservation_month": "286", "verified": true,
               "source": "Azure Retail Prices API", "as_of": "2025-02-01"}),
    );
    // A snapshot giving only the commitment price keeps the others.
    let mut row = retail.clone();
    merge_price(
        &mut row,
        &price("eastus2", json!({"commitment_month": "1100"})),
        "c.json",
    );
    assert_eq!(
        row,
        price(
            "eastus2",
            json!({"hourly": "2.0", "reservation_month": "286", "commitment_month": "1100",
                   "verified": true, "source": "Azure Retail Prices API; commitment_month from c.json",
                   "as_of": "2025-02-01"})
        )
    );
    // Again: nothing changes; a new figure replaces the old note, not adds one.
    let before = row.clone();
    merge_price(
        &mut row,
        &price("eastus2", json!({"commitment_month": "1100.00"})),
        "d.json",
    );
    assert_eq!(row, before, "an equal amount keeps its spelling");
    merge_price(
        &mut row,
        &price(
            "eastus2",
            json!({"commitment_month": "1000", "source": "our contract"}),
        ),
        "d.json",
    );
    assert_eq!(
        row.source.as_deref(),
        Some("Azure Retail Prices API; commitment_month from our contract")
    );
    assert_eq!(row.commitment_month, Some(dec("1000")));
    // An unverified figure makes the mixed row unverified.
    let mut row = retail.clone();
    merge_price(
        &mut row,
        &price(
            "eastus2",
            json!({"commitment_month": "1100", "verified": false}),
        ),
        "c.json",
    );
    assert_eq!(row.verified, Some(false));
    assert_eq!(row.hourly, Some(dec("2.0")));
    // Every stored figure replaced: the new row's verified, source and date.
    let mut row = retail.clone();
    merge_price(
        &mut row,
        &price(
            "eastus2",
            json!({"hourly": "2.5", "reservation_month": "300"}),
        ),
        "c.json",
    );
    assert_eq!(
        row,
        price(
            "eastus2",
            json!({"hourly": "2.5", "reservation_month": "300"})
        )
    );
    // A verified list confirming an unverified row's figures verifies it.
    let mut row = price("eastus2", json!({"hourly": "2.0", "verified": false}));
    let list = price(
        "eastus2",
        json!({"hourly": "2.00", "verified": true, "source": "Azure Retail Prices API"}),
    );
    merge_price(&mut row, &list, "prices.json");
    assert_eq!(
        row,
        price(
            "eastus2",
            json!({"hourly": "2.0", "verified": true, "source": "Azure Retail Prices API"})
        )
    );
    let mut row = price("eastus2", json!({"hourly": "2.0", "verified": false}));
    merge_price(&mut row, &retail, "prices.json");
    assert_eq!(row, retail);
}
