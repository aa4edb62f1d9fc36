//! Load generator for `ops/bench intake`: unique, realistic submissions (Ukrainian names, valid
//! УНЗР/РНОКПП agreeing with the birth date, real КАТОТТГ codes) from N keep-alive clients for a
//! bounded time. Prints one JSON line: requests/s and latency percentiles. Targets 127.0.0.1 only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration as Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::{Duration, Instant};

const SURNAMES: [&str; 20] = [
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Мельник",
    "Бойко",
    "Лисенко",
    "Руденко",
    "Савченко",
    "Петренко",
    "Марченко",
    "Гнатюк",
    "Романюк",
    "Костенко",
    "Дʼяченко",
    "Павленко",
];
const MALE: [&str; 12] = [
    "Андрій",
    "Олександр",
    "Тарас",
    "Василь",
    "Микола",
    "Дмитро",
    "Іван",
    "Юрій",
    "Богдан",
    "Остап",
    "Сергій",
    "Петро",
];
const FEMALE: [&str; 12] = [
    "Олена",
    "Ірина",
    "Марʼяна",
    "Наталія",
    "Оксана",
    "Тетяна",
    "Юлія",
    "Софія",
    "Галина",
    "Катерина",
    "Людмила",
    "Ганна",
];
const PATRONYMIC_ROOTS: [&str; 8] = [
    "Петр",
    "Іван",
    "Олег",
    "Михайл",
    "Степан",
    "Андрі",
    "Васил",
    "Тарас",
];
const STREETS: [&str; 8] = [
    "вулиця Проскурівська",
    "вулиця Кам'янецька",
    "проспект Миру",
    "вулиця Зарічанська",
    "вулиця Шкільна",
    "вулиця Центральна",
    "вулиця Подільська",
    "вулиця Соборна",
];
const TYPES: [&str; 6] = [
    "declaration_of_residence",
    "declaration_of_stay",
    "registration_of_residence",
    "registration_of_stay",
    "deregistration_of_residence",
    "deregistration_of_stay",
];

fn unzr(birth: NaiveDate, rng: &mut StdRng) -> String {
    let digits = format!("{}{:04}", birth.format("%Y%m%d"), rng.gen_range(0..10_000));
    let sum: u32 = digits
        .chars()
        .zip([7, 3, 1].iter().cycle())
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{}-{}{}", &digits[..8], &digits[8..], sum % 10)
}

fn rnokpp(birth: NaiveDate, rng: &mut StdRng) -> String {
    let days = (birth - NaiveDate::from_ymd_opt(1899, 12, 31).unwrap()).num_days();
    let digits = format!("{days:05}{:04}", rng.gen_range(0..10_000));
    let sum: i64 = digits
        .chars()
        .zip([-1i64, 5, 7, 9, 4, 6, 10, 5, 7])
        .map(|(c, w)| i64::from(c.to_digit(10).unwrap()) * w)
        .sum();
    format!("{digits}{}", sum.rem_euclid(11) % 10)
}

fn document(
    seq: u64,
    worker: usize,
    prefix: &str,
    today: &str,
    katottg: &[String],
    rng: &mut StdRng,
) -> Vec<u8> {
    let female = rng.gen_bool(0.5);
    let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + Days::days(rng.gen_range(0..25_000));
    let root = PATRONYMIC_ROOTS[rng.gen_range(0..PATRONYMIC_ROOTS.len())];
    let kind = TYPES[rng.gen_range(0..TYPES.len())];
    let mut person = json!({
        "surname": SURNAMES[rng.gen_range(0..SURNAMES.len())],
        "given_name": if female { FEMALE[rng.gen_range(0..12)] } else { MALE[rng.gen_range(0..12)] },
        "patronymic": format!("{root}{}", if female { "івна" } else { "ович" }),
        "birth_date": birth.to_string(),
        "sex": if female { "female" } else { "male" },
        "document": {"type": "id_card", "number": format!("{:09}", rng.gen_range(0..1_000_000_000u64))},
        "rnokpp": rnokpp(birth, rng),
    });
    if rng.gen_bool(0.8) {
        person["unzr"] = unzr(birth, rng).into();
    }
    let mut action = json!({"type": kind, "date": today});
    if kind.starts_with("deregistration") {
        action["ground"] = json!({"code": "application"});
    }
    serde_json::to_vec(&json!({
        "external_id": format!("{prefix}-{worker}-{seq}"),
        "action": action,
        "person": person,
        "address": {
            "katottg": katottg[rng.gen_range(0..katottg.len())],
            "street": STREETS[rng.gen_range(0..STREETS.len())],
            "building": rng.gen_range(1..200).to_string(),
            "apartment": rng.gen_range(1..300).to_string(),
            "postal_code": "29000",
        },
    }))
    .unwrap()
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    let url = arg("--url").expect("--url");
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "load tests target 127.0.0.1 only"
    );
    let token = arg("--token").expect("--token");
    let concurrency: usize = arg("--concurrency").map_or(16, |v| v.parse().unwrap());
    let seconds: u64 = arg("--seconds").map_or(10, |v| v.parse().unwrap());
    let prefix =
        arg("--prefix").unwrap_or_else(|| format!("bench-{}", uuid::Uuid::now_v7().simple()));
    let katottg: Vec<String> =
        std::fs::read_to_string(arg("--katottg-file").expect("--katottg-file"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect();
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now()).to_string();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let endpoint = format!("{url}/v1/registration-actions");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (client, endpoint, token, prefix, katottg, today) = (
                client.clone(),
                endpoint.clone(),
                token.clone(),
                prefix.clone(),
                katottg.clone(),
                today.clone(),
            );
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(w as u64 ^ 0x5eed);
                let (mut lat, mut errors) = (Vec::new(), 0u64);
                let mut seq = 0;
                while Instant::now() < deadline {
                    seq += 1;
                    let body = document(seq, w, &prefix, &today, &katottg, &mut rng);
                    let t = Instant::now();
                    let res = client
                        .post(&endpoint)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().as_u16() == 201 => {
                            let _ = r.bytes().await;
                            lat.push(t.elapsed().as_micros() as u64);
                        }
                        Ok(r) => {
                            errors += 1;
                            if errors <= 3 {
                                eprintln!(
                                    "status {}: {}",
                                    r.status(),
                                    r.text().await.unwrap_or_default()
                                );
                            }
                        }
                        Err(e) => {
                            errors += 1;
                            if errors <= 3 {
                                eprintln!("request failed: {e}");
                            }
                        }
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (lat, e) = w.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i] as f64 / 1000.0
    };
    println!(
        "{}",
        json!({
            "concurrency": concurrency,
            "seconds": elapsed,
            "requests": all.len(),
            "errors": errors,
            "rps": all.len() as f64 / elapsed,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
        })
    );
}
