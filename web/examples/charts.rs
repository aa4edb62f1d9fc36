//! Writes one example of each report chart as SVG into a folder, to look at:
//! `cargo run -p dms-web --example charts -- FOLDER`.

use chrono::NaiveDate;
use dms_web::charts::{self, Axes, Bar, Chart, Series};

const BODIES: Axes<'static> = Axes {
    category: "Орган реєстрації",
    value: "Кількість",
};

/// A repeatable spread of numbers (no randomness needed for a picture).
fn spread(i: usize, salt: usize) -> i64 {
    let x = (i * 7919 + salt * 104_729) % 1000;
    i64::try_from(x % 97).unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args().nth(1).ok_or("usage: charts FOLDER")?;
    let folder = std::path::Path::new(&folder);
    std::fs::create_dir_all(folder)?;
    let page = std::cell::RefCell::new(String::from(
        "<!DOCTYPE html><html lang=\"uk\"><meta charset=\"utf-8\"><title>charts</title><body>\n",
    ));
    let write = |name: &str, chart: &Chart| -> std::io::Result<()> {
        // As a page embeds it (the alt escaped for the attribute).
        let alt = chart.alt.replace('&', "&amp;").replace('"', "&quot;");
        page.borrow_mut().push_str(&format!(
            "<p><img src=\"{}\" alt=\"{alt}\" width=\"{}\" height=\"{}\"></p>\n",
            chart.data_url, chart.width, chart.height
        ));
        std::fs::write(folder.join(format!("{name}.svg")), &chart.svg)?;
        std::fs::write(folder.join(format!("{name}.alt.txt")), &chart.alt)
    };

    let communities = [
        "Бучанська міська рада",
        "Ірпінська міська рада",
        "Гостомельська селищна рада",
        "Бородянська селищна рада",
        "Макарівська селищна рада",
        "Білоцерківська міська рада",
        "Васильківська міська рада",
        "Фастівська міська рада",
        "Обухівська міська рада",
        "Броварська міська рада",
        "Вишгородська міська рада",
        "Ворзельська селищна рада",
        "Дмитрівська сільська рада Бучанського району Київської області",
    ];
    let late: Vec<Bar> = communities
        .iter()
        .enumerate()
        .map(|(i, c)| Bar {
            label: (*c).to_owned(),
            value: spread(i, 1) / 3,
        })
        .collect();
    write(
        "late",
        &charts::bars("Подання із запізненням за громадами", BODIES, &late)?,
    )?;

    let overdue: Vec<Bar> = (0..500)
        .map(|i| Bar {
            label: format!("{:08}", 26_000_000 + i * 137),
            value: spread(i, 3),
        })
        .collect();
    write(
        "overdue",
        &charts::bars("Прострочені запити на перевірку", BODIES, &overdue)?,
    )?;

    let from = NaiveDate::from_ymd_opt(2025, 3, 1).ok_or("date")?;
    let names = dms_web::uk::PERSON_ACTIONS.map(dms_web::uk::action_type);
    for (name, days) in [
        ("volumes", 30),
        ("volumes-quarter", 92),
        ("volumes-year", 366),
    ] {
        let days: Vec<NaiveDate> = from.iter_days().take(days).collect();
        let series: Vec<Series> = names
            .iter()
            .enumerate()
            .map(|(s, name)| Series {
                name: (*name).to_owned(),
                values: (0..days.len())
                    .map(|i| spread(i, s) / (s as i64 + 1) + 40 / (s as i64 + 1))
                    .collect(),
            })
            .collect();
        let axes = Axes {
            category: "День",
            value: "Кількість дій",
        };
        let title = "Кількість реєстраційних дій за днями і видами";
        write(name, &charts::daily_series(title, axes, &days, &series)?)?;
    }

    write(
        "empty",
        &charts::bars("Прострочені запити на перевірку", BODIES, &[])?,
    )?;
    std::fs::write(folder.join("index.html"), page.into_inner())?;
    Ok(())
}
