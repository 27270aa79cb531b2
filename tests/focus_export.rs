//! `export --format focus --focus-version 1.2` through the real binary,
//! checked against the FOCUS 1.2 specification's rules for the columns 1.1
//! and 1.2 added (no published focus-validator checks 1.2: version 1.0.0,
//! the newest on PyPI, knows 0.5, 1.0-preview and 1.0). Each rule below
//! quotes the requirement it checks.

mod common;

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

fn ptudesk(dir: &Path, args: &[&str]) -> String {
    let o = common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", dir.join("store.db"))
        .env("PTUDESK_CONFIG", dir.join("absent-config.toml"))
        .output()
        .expect("runs");
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Every column of FOCUS 1.2 (the specification's column list).
const FOCUS_1_2: [&str; 57] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
];

/// The FOCUS-defined `SkuPriceDetails` keys.
const PRICE_KEYS: [&str; 13] = [
    "CoreCount",
    "DiskMaxIops",
    "DiskSpace",
    "DiskType",
    "GpuCount",
    "InstanceType",
    "InstanceSeries",
    "MemorySize",
    "NetworkMaxIops",
    "NetworkMaxThroughput",
    "OperatingSystem",
    "Redundancy",
    "StorageClass",
];

/// The `ServiceSubcategory` values whose parent is "AI and Machine
/// Learning".
const AI_SUBCATEGORIES: [&str; 6] = [
    "AI Platforms",
    "Bots",
    "Generative AI",
    "Machine Learning",
    "Natural Language Processing",
    "Other (AI and Machine Learning)",
];

type Row = BTreeMap<String, String>;

fn rows(csv_text: &str) -> (Vec<String>, Vec<Row>) {
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

fn dec(r: &Row, col: &str) -> Option<Decimal> {
    let v = &r[col];
    (!v.is_empty()).then(|| {
        Decimal::from_str(v).unwrap_or_else(|_| panic!("{col} is not a decimal: {v:?} in {r:?}"))
    })
}

fn null(r: &Row, col: &str) -> bool {
    r[col].is_empty()
}

fn sum(rows: &[Row], col: &str) -> Decimal {
    rows.iter().filter_map(|r| dec(r, col)).sum()
}

/// `unit x quantity` matches `cost`: unit prices of a purchase are its
/// amount over its PTU-hours, exact to 28 significant digits.
fn matches(unit: Decimal, quantity: Decimal, cost: Decimal) -> bool {
    (unit * quantity - cost).abs() < Decimal::new(1, 12)
}

/// Checks every FOCUS 1.1/1.2 column rule on one export; returns the rows.
fn check_focus_1_2(text: &str) -> Vec<Row> {
    let (header, rows) = rows(text);
    assert!(!rows.is_empty());
    // Column handling: every FOCUS column is present, and every other
    // column's name begins with "x_".
    for c in FOCUS_1_2 {
        assert!(header.iter().any(|h| h == c), "{c} missing from {header:?}");
    }
    for h in &header {
        assert!(
            FOCUS_1_2.contains(&h.as_str()) || h.starts_with("x_"),
            "{h} is neither a FOCUS 1.2 column nor x_-prefixed"
        );
    }
    let mut unit_of_discount: HashMap<String, String> = HashMap::new();
    let mut meter_of_sku: HashMap<String, String> = HashMap::new();
    let mut details_of_price: HashMap<String, String> = HashMap::new();
    for r in &rows {
        let category = r["ChargeCategory"].as_str();
        let correction = r["ChargeClass"] == "Correction";
        let usage_or_purchase = matches!(category, "Usage" | "Purchase");
        // BillingAccountType / SubAccountType: null exactly when the account
        // id is; a readable display value otherwise.
        assert_eq!(
            null(r, "BillingAccountType"),
            null(r, "BillingAccountId"),
            "{r:?}"
        );
        assert_eq!(null(r, "SubAccountType"), null(r, "SubAccountId"), "{r:?}");
        assert_eq!(null(r, "SubAccountName"), null(r, "SubAccountId"), "{r:?}");
        assert!(
            ["", "Billing Account", "Subscription"].contains(&r["BillingAccountType"].as_str()),
            "{r:?}"
        );
        assert!(
            ["", "Subscription", "Management Group", "Billing Account"]
                .contains(&r["SubAccountType"].as_str()),
            "{r:?}"
        );
        // CapacityReservationStatus: null when CapacityReservationId is; one
        // of Used/Unused otherwise. No ptudesk charge is a capacity
        // reservation (a PTU reservation is a discount, not capacity).
        assert!(null(r, "CapacityReservationId"), "{r:?}");
        assert!(null(r, "CapacityReservationStatus"), "{r:?}");
        // CommitmentDiscountQuantity: not null for a Usage or Purchase row of
        // a commitment discount (not a correction), null in all other cases;
        // CommitmentDiscountUnit null exactly when the quantity is, and
        // consistent for a CommitmentDiscountId.
        let discount = !null(r, "CommitmentDiscountId");
        let quantity = dec(r, "CommitmentDiscountQuantity");
        if usage_or_purchase && discount && !correction {
            assert!(quantity.is_some(), "{r:?}");
        } else if !(usage_or_purchase && discount) {
            assert!(quantity.is_none(), "{r:?}");
        }
        assert_eq!(
            null(r, "CommitmentDiscountUnit"),
            quantity.is_none(),
            "{r:?}"
        );
        if let Some(q) = quantity {
            let unit = unit_of_discount
                .entry(r["CommitmentDiscountId"].clone())
                .or_insert_with(|| r["CommitmentDiscountUnit"].clone());
            assert_eq!(unit, &r["CommitmentDiscountUnit"], "{r:?}");
            // Usage: the metered quantity consumed (Used) or the remaining,
            // unused quantity (Unused) of the charge period.
            if category == "Usage" {
                match r["CommitmentDiscountStatus"].as_str() {
                    "Used" => assert_eq!(Some(q), dec(r, "ConsumedQuantity"), "{r:?}"),
                    "Unused" => assert!(null(r, "ConsumedQuantity"), "{r:?}"),
                    s => panic!("status {s:?} on a commitment usage row"),
                }
            }
            // Purchase: the PTU-hours the purchase makes eligible, negative
            // for a refund.
            if category == "Purchase" {
                assert_eq!(
                    q.is_sign_negative(),
                    dec(r, "BilledCost").unwrap() < Decimal::ZERO
                );
            }
        }
        // InvoiceId: null when the charge is associated with no invoice
        // (ptudesk rates charges; it never sees an invoice).
        assert!(null(r, "InvoiceId"), "{r:?}");
        // PricingCurrency: not null, a currency code; the prices are in the
        // billing currency, so the pricing-currency figures equal them.
        assert_eq!(r["PricingCurrency"].len(), 3, "{r:?}");
        assert!(r["PricingCurrency"].chars().all(|c| c.is_ascii_uppercase()));
        assert_eq!(r["PricingCurrency"], r["BillingCurrency"]);
        let effective = dec(r, "PricingCurrencyEffectiveCost").expect("MUST NOT be null");
        assert_eq!(Some(effective), dec(r, "EffectiveCost"), "{r:?}");
        // PricingCurrencyEffectiveCost MUST be 0 for prepaid purchases.
        if category == "Purchase" {
            assert!(effective.is_zero(), "{r:?}");
        }
        // Unit prices (list, contracted, in both currencies): not null for a
        // Usage or Purchase row (not a correction), non-negative; times
        // PricingQuantity they match ListCost and ContractedCost.
        if usage_or_purchase && !correction {
            for col in [
                "ListUnitPrice",
                "ContractedUnitPrice",
                "PricingCurrencyListUnitPrice",
                "PricingCurrencyContractedUnitPrice",
                "PricingQuantity",
                "SkuPriceId",
            ] {
                assert!(!null(r, col), "{col} is null in {r:?}");
            }
            let q = dec(r, "PricingQuantity").unwrap();
            for (unit, cost) in [
                ("ListUnitPrice", "ListCost"),
                ("ContractedUnitPrice", "ContractedCost"),
                ("PricingCurrencyListUnitPrice", "ListCost"),
                ("PricingCurrencyContractedUnitPrice", "ContractedCost"),
            ] {
                let u = dec(r, unit).unwrap();
                assert!(u >= Decimal::ZERO, "{unit} negative in {r:?}");
                assert!(
                    matches(u, q, dec(r, cost).unwrap()),
                    "{unit} x PricingQuantity != {cost} in {r:?}"
                );
            }
        }
        assert_eq!(null(r, "PricingUnit"), null(r, "PricingQuantity"), "{r:?}");
        assert_eq!(
            null(r, "ConsumedUnit"),
            null(r, "ConsumedQuantity"),
            "{r:?}"
        );
        assert_eq!(null(r, "RegionName"), null(r, "RegionId"), "{r:?}");
        // ServiceSubcategory: not null, an allowed value whose parent is the
        // row's ServiceCategory.
        assert_eq!(r["ServiceCategory"], "AI and Machine Learning");
        assert!(
            AI_SUBCATEGORIES.contains(&r["ServiceSubcategory"].as_str()),
            "{r:?}"
        );
        // SkuMeter: null when SkuId is null, consistent for a SkuId.
        if null(r, "SkuId") {
            assert!(null(r, "SkuMeter"));
        } else {
            assert!(!null(r, "SkuMeter"), "SHOULD NOT be null: {r:?}");
            let m = meter_of_sku
                .entry(r["SkuId"].clone())
                .or_insert_with(|| r["SkuMeter"].clone());
            assert_eq!(m, &r["SkuMeter"]);
        }
        // SkuPriceDetails: null when SkuPriceId is null; a key-value JSON
        // object whose keys are FOCUS-defined or begin with "x_"; the same
        // for every row of a SkuPriceId.
        if null(r, "SkuPriceId") {
            assert!(null(r, "SkuPriceDetails"));
        } else if !null(r, "SkuPriceDetails") {
            let v: Value = serde_json::from_str(&r["SkuPriceDetails"]).unwrap();
            let obj = v.as_object().expect("a JSON object");
            for (k, val) in obj {
                assert!(
                    PRICE_KEYS.contains(&k.as_str()) || k.starts_with("x_"),
                    "key {k}"
                );
                assert!(!val.is_object() && !val.is_array(), "flat values: {k}");
            }
            let d = details_of_price
                .entry(r["SkuPriceId"].clone())
                .or_insert_with(|| r["SkuPriceDetails"].clone());
            assert_eq!(d, &r["SkuPriceDetails"], "{r:?}");
        }
    }
    rows
}

#[test]
fn focus_1_2_export_follows_the_1_2_column_rules_and_rates_the_same_as_1_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = ptudesk(d, &["export", "--demo", "--now", "2026-11-22T09:00:00Z"]);
    std::fs::write(d.join("demo.json"), demo).unwrap();
    ptudesk(d, &["import", d.join("demo.json").to_str().unwrap()]);
    let export = |version: &str| {
        ptudesk(
            d,
            &[
                "export",
                "--format",
                "focus",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--focus-version",
                version,
            ],
        )
    };
    let v12 = check_focus_1_2(&export("1.2"));
    let (h10, v10) = rows(&export("1.0"));
    // The default stays FOCUS 1.0.
    let default = ptudesk(
        d,
        &[
            "export",
            "--format",
            "focus",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
        ],
    );
    assert_eq!(default, export("1.0"));
    assert!(
        h10.iter().any(|h| h == "ChargeType"),
        "1.0 keeps the preview names"
    );
    assert!(!h10.iter().any(|h| h == "SkuMeter"));
    // The same charges, the same money.
    assert_eq!(v12.len(), v10.len());
    for col in ["BilledCost", "EffectiveCost"] {
        assert_eq!(sum(&v12, col), sum(&v10, col), "{col}");
    }
    assert!(sum(&v12, "EffectiveCost") > Decimal::ZERO);
    // Every kind of row is there: hourly, managed compute, commitment and
    // reservation use and idle capacity, purchases.
    for kind in [
        "hourly",
        "managed_compute",
        "commitment_used",
        "reservation_used",
        "reservation_unused",
    ] {
        assert!(v12.iter().any(|r| r["x_PtuChargeKind"] == kind), "{kind}");
    }
    assert!(v12.iter().any(|r| r["ChargeCategory"] == "Purchase"));
    // A committed row states what its PTU-hours cost at the hourly list
    // price: a Used row of a reservation that covered PTU billed at $1/h
    // lists PTU-hours x 1.
    let used = v12
        .iter()
        .find(|r| r["CommitmentDiscountStatus"] == "Used")
        .unwrap();
    assert_eq!(
        dec(used, "ListCost").unwrap(),
        dec(used, "ListUnitPrice").unwrap() * dec(used, "PricingQuantity").unwrap()
    );
    assert!(dec(used, "ListCost").unwrap() > Decimal::ZERO);
}

#[test]
fn focus_1_2_states_additions_and_refunds_in_ptu_hours() {
    // A commitment of 300 PTU from 2026-11-01 with 50 PTU added on 11-15,
    // a one-month reservation of 20 PTU bought 11-20 and refunded 11-25
    // (20 PTU: the refund stays under the rolling refund limit).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut snap: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/interface_example.json").unwrap(),
    )
    .unwrap();
    snap["reservations"][0]["refunded_at"] = Value::from("2026-11-25T00:00:00Z");
    snap["reservations"][0]["ptu"] = Value::from(20);
    std::fs::write(d.join("estate.json"), snap.to_string()).unwrap();
    ptudesk(d, &["import", d.join("estate.json").to_str().unwrap()]);
    let text = ptudesk(
        d,
        &[
            "export",
            "--format",
            "focus",
            "--focus-version",
            "1.2",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
        ],
    );
    let rows = check_focus_1_2(&text);
    let purchase = |kind: &str, of: &str| {
        rows.iter()
            .find(|r| {
                r["ChargeCategory"] == "Purchase"
                    && r["x_PtuChargeKind"] == kind
                    && r["CommitmentDiscountType"] == of
            })
            .unwrap_or_else(|| panic!("no {kind} row"))
    };
    // The addition pays for 50 PTU over the 16 days left of the 30-day term
    // (counting the day of the addition): 50 x 16 x 24 = 19,200 PTU-hours.
    let add = purchase("addition", "Commitment");
    assert_eq!(
        dec(add, "CommitmentDiscountQuantity"),
        Some(Decimal::from(19_200))
    );
    assert_eq!(dec(add, "PricingQuantity"), Some(Decimal::from(19_200)));
    assert_eq!(add["PricingUnit"], "PTU-Hours");
    // The refund cancels 20 PTU over the days left (11-25 to 12-20):
    // negative PTU-hours, a non-negative unit price, a negative cost.
    let refund = purchase("refund", "Reservation");
    let q = dec(refund, "CommitmentDiscountQuantity").unwrap();
    assert_eq!(q, Decimal::from(-20 * 25 * 24));
    assert!(dec(refund, "BilledCost").unwrap() < Decimal::ZERO);
    assert!(dec(refund, "ListUnitPrice").unwrap() > Decimal::ZERO);
    // The purchase: 20 PTU for the term's 30 days (11-20 to 12-20).
    let bought = purchase("purchase", "Reservation");
    assert_eq!(
        dec(bought, "CommitmentDiscountQuantity"),
        Some(Decimal::from(20 * 30 * 24))
    );
    assert_eq!(
        bought["SkuPriceDetails"],
        r#"{"x_DeploymentType":"ProvisionedManaged","x_PricingTerm":"Reservation"}"#
    );
}

#[test]
fn a_failed_export_leaves_the_file_as_it_was_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = ptudesk(d, &["export", "--demo", "--now", "2026-11-22T09:00:00Z"]);
    let scenario = d.join("demo.json");
    std::fs::write(&scenario, demo).unwrap();
    let out = d.join("out");
    std::fs::create_dir(&out).unwrap();
    let file = out.join("focus.csv");
    std::fs::write(&file, "the last export\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let export = |from: &str, to: Option<&Path>| {
        let mut c = common::ptudesk();
        c.arg("--scenario")
            .arg(&scenario)
            .args(["export", "--format", "focus", "--from", from])
            .args(["--to", "2026-12-01"]);
        if let Some(p) = to {
            c.arg("--out").arg(p);
        }
        c.output().unwrap()
    };
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let unchanged = |what: &str| {
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "the last export\n",
            "{what}"
        );
    };

    // A rating error (a window not on whole hours): nothing written.
    let o = export("2026-11-01T00:30:00Z", Some(&file));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("whole UTC hour"));
    unchanged("rating error");
    assert_eq!(listing(), ["focus.csv"]);

    // A folder that does not exist.
    let o = export("2026-11-01", Some(&out.join("missing").join("focus.csv")));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"));
    assert_eq!(listing(), ["focus.csv"]);

    // A name taken by a folder: the rows are written whole to the
    // temporary file, and only the rename over the folder fails.
    let taken = out.join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("kept"), "x").unwrap();
    let o = export("2026-11-01", Some(&taken));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"));
    assert_eq!(listing(), ["focus.csv", "taken"]);
    assert_eq!(std::fs::read_to_string(taken.join("kept")).unwrap(), "x");
    unchanged("a failed rename");

    // A good export replaces the file with what stdout gets, keeping its
    // permissions.
    let o = export("2026-11-01", Some(&file));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = export("2026-11-01", None);
    assert!(stdout.status.success());
    assert!(stdout.stdout.len() > 10_000);
    assert_eq!(std::fs::read(&file).unwrap(), stdout.stdout);
    assert_eq!(listing(), ["focus.csv", "taken"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}

#[test]
fn a_reader_that_stops_early_is_no_failure() {
    // `ptudesk export --format focus | head -1`: the pipe closes after the
    // first line; the export stops there and exits 0.
    use std::io::{BufRead, BufReader};
    let mut child = common::ptudesk()
        .args(["--demo", "--now", "2026-11-22T09:00:00Z"])
        .args(["export", "--format", "focus"])
        .args(["--from", "2026-11-01", "--to", "2026-12-01"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("BilledCost,"), "{first}");
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
}
