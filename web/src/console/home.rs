//! The console's first page: what the role does, as links to its screens.

use super::page::{Block, Cell, Page};
use super::{sections, staff};
use crate::error::PageResult;
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::enums::StaffRole;

pub async fn page(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let c = staff(&state, &req).await?;
    let intro = match c.staff.role {
        StaffRole::Officer => "Запити на перевірку до органів реєстрації вашої території (відповідь — протягом трьох робочих днів після отримання), пошук осіб і реєстраційних дій у межах території.",
        StaffRole::Supervisor => "Органи реєстрації та їхні облікові дані, робочий календар, територіальні заборони, набори даних для ЄДДР і внесення осіб до ЄДДР.",
        StaffRole::Auditor => "Журнал аудиту, перевірка його ланцюга, звіти; органи реєстрації та набори даних — для перегляду.",
        StaffRole::Issuance => "",
    };
    let links = sections(c.staff.role)
        .into_iter()
        .skip(1)
        .map(|(_, href, label)| Cell::link(label, href))
        .collect();
    let mut territory = Block::default().para(intro).links(links);
    if let Some(t) = &c.staff.territory {
        territory = territory.para(format!("Ваша територія (КАТОТТГ): {t}."));
    }
    Page::new(
        c.chrome("Головна", "home"),
        format!("Вітаємо, {}", c.staff.name),
    )
    .caption(super::role_name(c.staff.role))
    .block(territory)
    .render()
}
