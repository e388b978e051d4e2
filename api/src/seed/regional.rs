//! Demo regional plans, from the seed documents: Dezhou's carbon-peak work plan (seed 002,
//! issued 13 July 2023) with its headline targets and key tasks with their responsible units,
//! Zhejiang's implementation opinions (seed 003, 23 December 2021) with its 2025 and 2030
//! targets; and two years of reports by Dezhou's counties with the city's assessments. Target
//! values and responsible units are quoted from the documents; the reports, their figures and
//! the ratings are illustrative. Everything goes through the plan actions themselves, each on
//! its day, by the user the step belongs to.

use crate::audit::writer::WriteTx;
use crate::auth::Viewer;
use crate::regional::service::{
    self, AssessmentDraft, PlanDraft, ReportDraft, TargetDraft, TaskDraft, UnitDraft, ValueDraft,
};
use crate::regions::code::RegionCode;
use chrono::{NaiveDate, TimeDelta};
use entities::*;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default()
}

/// A bureau user of `region` (no `dept`: the plan bureau's own staff).
fn user(role: Role, region: &str, name: &str) -> Viewer {
    Viewer {
        sub: format!("demo:{region}"),
        role,
        region: RegionCode::parse(region).ok(),
        org: None,
        dept: None,
        name: Some(name.to_owned()),
        request_id: None,
        expires_at: None,
    }
}

/// The bureau (`dept` claim) a responsible unit named in the documents is, if it is one.
fn department(unit: &str) -> Option<&'static str> {
    const BUREAUS: [(&str, &str); 14] = [
        ("Development and Reform", "development_reform"),
        ("Industry and Information", "industry"),
        ("Ecolog", "ecology_environment"),
        ("Housing and Urban-Rural", "housing"),
        ("Commerce", "commerce"),
        ("Science and Technology", "science_technology"),
        ("Natural Resources", "natural_resources"),
        ("Transportation", "transport"),
        ("Agriculture", "agriculture"),
        ("Water Conservancy", "water"),
        ("Finance Bureau", "finance"),
        ("Market Supervision", "market_supervision"),
        ("Urban Management", "urban_management"),
        ("Urban Administration", "urban_management"),
    ];
    BUREAUS
        .iter()
        .find(|(k, _)| unit.contains(k))
        .map(|(_, dept)| *dept)
}

/// The units of a "Responsible units: …" list, the first leading.
fn units(list: &str) -> Vec<UnitDraft> {
    list.split(", ")
        .map(|u| {
            u.trim()
                .trim_start_matches("and ")
                .trim_start_matches("the ")
                .to_owned()
        })
        .filter(|u| !u.is_empty())
        .map(|unit| UnitDraft {
            department: department(&unit).map(str::to_owned),
            unit,
            lead: false,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn target(
    code: &str,
    name: &str,
    unit: &str,
    direction: Direction,
    baseline: Option<(i32, &str)>,
    values: &[(i32, &str, TargetBound, &str)],
) -> TargetDraft {
    TargetDraft {
        code: code.into(),
        name: name.into(),
        unit: unit.into(),
        direction,
        category: IndicatorCategory::Constraint,
        baseline: baseline.map(|(y, v)| (y, d(v))),
        values: values
            .iter()
            .map(|(year, value, bound, quote)| ValueDraft {
                year: *year,
                value: d(value),
                bound: *bound,
                quote: (*quote).into(),
            })
            .collect(),
    }
}

/// Dezhou's key tasks: number in the plan (project, item), the task's opening words, field,
/// deadline where the item sets a year, and its responsible units.
const DEZHOU_TASKS: [(&str, &str, ProjectField, Option<i32>, &str); 12] = [
    (
        "I.1",
        "Promote the large-scale development of photovoltaic power generation in an all-round way",
        ProjectField::EnergyInfrastructure,
        Some(2030),
        "Municipal Development and Reform Commission, Municipal Bureau of Industry and Information Technology, Municipal Bureau of Science and Technology, Municipal Bureau of Natural Resources, Municipal Bureau of Ecological Environment, Municipal Bureau of Housing and Urban-Rural Development, Municipal Water Conservancy Bureau, Municipal Bureau of Agriculture and Rural Areas, State Grid Dezhou Power Supply Company",
    ),
    (
        "I.2",
        "Reasonably control the growth of coal consumption, and strictly implement the reduction and substitution of new coal projects",
        ProjectField::EnergySavingRetrofit,
        Some(2025),
        "the Municipal Development and Reform Commission, the Municipal Ecological Environment Bureau, the Municipal Housing and Urban-Rural Development Bureau, and the Municipal Urban Management Bureau",
    ),
    (
        "II.2",
        "Tap the potential of energy conservation and carbon reduction, increase waste heat recovery, and continuously improve energy efficiency",
        ProjectField::EnergySavingRetrofit,
        None,
        "Municipal Bureau of Industry and Information Technology, Municipal Development and Reform Commission, Municipal Science and Technology Bureau, Municipal Bureau of Ecological Environment",
    ),
    (
        "II.4",
        "Strengthen the supervision of capacity replacement, and strictly prohibit new production capacity of cement clinker, grinding and flat glass",
        ProjectField::Other,
        None,
        "Municipal Bureau of Industry and Information Technology, Municipal Development and Reform Commission, Municipal Science and Technology Bureau, Municipal Housing and Urban-Rural Development Bureau, Municipal Market Supervision Bureau, Municipal Urban Management Bureau",
    ),
    (
        "III.2",
        "Carry out energy-saving and carbon-reducing projects in key industries",
        ProjectField::EnergySavingRetrofit,
        None,
        "the Municipal Development and Reform Commission, the Municipal Bureau of Industry and Information Technology, the Municipal Bureau of Science and Technology, the Municipal Bureau of Ecological Environment, the Municipal Bureau of Housing and Urban-Rural Development, the Municipal Transportation Bureau, and the Municipal Urban Management Bureau",
    ),
    (
        "IV.2",
        "Continue to carry out green building creation actions, fully implement green building standards for new buildings",
        ProjectField::GreenBuilding,
        Some(2025),
        "Municipal Housing and Urban-Rural Construction Bureau, Municipal Development and Reform Commission, Municipal Audit Bureau, Municipal Market Supervision Bureau, Municipal Big Data Bureau, Municipal Urban Administration Bureau, Municipal Organ Affairs Guarantee Center",
    ),
    (
        "IV.3",
        "Deepen the construction of renewable energy building application demonstration cities",
        ProjectField::GreenBuilding,
        Some(2025),
        "Municipal Housing and Urban-Rural Development Bureau, Municipal Development and Reform Commission, Municipal Natural Resources Bureau, Municipal Ecological Environment Bureau, Municipal Urban Management Bureau",
    ),
    (
        "V.1",
        "Build a regional multimodal transport center",
        ProjectField::GreenTransport,
        Some(2025),
        "Municipal Transportation Bureau, Municipal Development and Reform Commission, Municipal Public Security Bureau, Municipal Natural Resources Bureau, Municipal State-owned Assets Supervision and Administration Commission, Municipal Market Supervision Bureau, Municipal Highway Development Center",
    ),
    (
        "V.2",
        "Vigorously promote new energy vehicles, promote the electric substitution of urban public service vehicles such as buses and taxis",
        ProjectField::GreenTransport,
        Some(2030),
        "Municipal Transportation Bureau, Municipal Development and Reform Commission, Municipal Bureau of Industry and Information Technology, Municipal Public Security Bureau, Municipal Organ Affairs Guarantee Center",
    ),
    (
        "VI.2",
        "Improve the recycling network of waste materials, build the \"Internet + recycling\" application platform",
        ProjectField::ResourceRecycling,
        None,
        "Municipal Development and Reform Commission, Municipal Bureau of Industry and Information Technology, Municipal Bureau of Ecological Environment, Municipal Bureau of Commerce, Municipal Urban Management Bureau",
    ),
    (
        "VII.1",
        "Strengthen the strategic guidance and rigid control role of land and space planning",
        ProjectField::CarbonSink,
        Some(2030),
        "Municipal Natural Resources Bureau, Municipal Development and Reform Commission, Municipal Ecological Environment Bureau, Municipal Water Conservancy Bureau",
    ),
    (
        "VII.3",
        "Promote the development and utilization of solar energy and biomass energy in rural areas",
        ProjectField::EnergyInfrastructure,
        None,
        "Municipal Agriculture and Rural Bureau, Municipal Development and Reform Commission, Municipal Finance Bureau, Municipal Natural Resources Bureau, Municipal Ecological Environment Bureau, Municipal Water Conservancy Bureau, Municipal Urban Management Bureau",
    ),
];

fn dezhou() -> PlanDraft {
    use TargetBound::*;
    PlanDraft {
        region_code: "371400".into(),
        parent_plan_id: None,
        supersedes_id: None,
        issuing_authority: "德州市人民政府 (Dezhou Municipal People's Government)".into(),
        document_number: None,
        title: "德州市碳达峰工作方案 (Dezhou Carbon Peak Work Plan)".into(),
        summary: "Implements the ten major projects of carbon peak so that the city peaks in step \
                  with the province; counties (cities and districts) organise the annual \
                  assessment of the objectives and tasks and report progress."
            .into(),
        period_start_year: 2021,
        period_end_year: 2030,
        report_due_month: 3,
        report_due_day: 31,
        targets: vec![
            target(
                "C2",
                "非化石能源占能源消费比重 (non-fossil share of energy use)",
                "%",
                Direction::Increase,
                None,
                &[
                    (
                        2025,
                        "13",
                        About,
                        "By 2025, the proportion of non-fossil energy consumption will increase to about 13%",
                    ),
                    (
                        2030,
                        "18",
                        About,
                        "By 2030, the proportion of non-fossil energy consumption will reach about 18%",
                    ),
                ],
            ),
            target(
                "R01",
                "单位GDP能耗较2020年变化 (energy use per unit GDP vs 2020)",
                "%",
                Direction::Decrease,
                Some((2020, "0")),
                &[(
                    2025,
                    "-16",
                    AtMost,
                    "energy consumption per unit of GDP will be reduced by more than 16% compared with 2020",
                )],
            ),
            target(
                "R03",
                "光伏装机容量 (installed PV capacity)",
                "MW",
                Direction::Increase,
                None,
                &[(
                    2030,
                    "4000",
                    AtLeast,
                    "By 2030, the installed capacity of photovoltaic power generation will reach 4 million kilowatts.",
                )],
            ),
            target(
                "WIND_CAPACITY",
                "风电装机容量 (installed wind capacity)",
                "MW",
                Direction::Increase,
                None,
                &[(
                    2030,
                    "3700",
                    AtLeast,
                    "By 2030, the installed capacity of wind power will reach 3.7 million kW.",
                )],
            ),
            target(
                "COAL_POWER_CONSUMPTION",
                "煤电机组平均供电煤耗 (coal use of coal-fired power units)",
                "gce/kWh",
                Direction::Decrease,
                None,
                &[(
                    2025,
                    "295",
                    About,
                    "By 2025, the average coal consumption of coal-fired power units under normal working conditions will be reduced to about 295 grams of standard coal per kilowatt-hour.",
                )],
            ),
            target(
                "GREEN_TRAVEL_SHARE",
                "城市建成区绿色出行比例 (green travel share in built-up areas)",
                "%",
                Direction::Increase,
                None,
                &[(
                    2025,
                    "70",
                    AtLeast,
                    "By 2025, the proportion of green travel in urban built-up areas will reach more than 70%.",
                )],
            ),
            target(
                "R06",
                "森林覆盖率 (forest coverage)",
                "%",
                Direction::Increase,
                None,
                &[(
                    2030,
                    "10",
                    About,
                    "By 2030, ... the forest coverage rate will be stable at about 10%",
                )],
            ),
        ],
        tasks: DEZHOU_TASKS
            .iter()
            .map(|(number, title, field, by, list)| TaskDraft {
                number: (*number).into(),
                title: (*title).into(),
                text: String::new(),
                field: *field,
                deadline: by.map(|y| day(y, 12, 31)),
                units: units(list),
            })
            .collect(),
    }
}

fn zhejiang() -> PlanDraft {
    use TargetBound::*;
    PlanDraft {
        region_code: "330000".into(),
        parent_plan_id: None,
        supersedes_id: None,
        issuing_authority: "中共浙江省委 浙江省人民政府 (Zhejiang Provincial Committee of the CPC and the People's Government of Zhejiang Province)".into(),
        document_number: None,
        title: "关于完整准确全面贯彻新发展理念做好碳达峰碳中和工作的实施意见 (Implementation Opinions on Doing a Good Job of Carbon Peaking and Carbon Neutralization)".into(),
        summary: "Builds the carbon-peak system of the \"6+1\" fields; the dual-carbon digital \
                  intelligence platform is established and applied by 2025; a carbon peak target \
                  responsibility assessment of the cities every year."
            .into(),
        period_start_year: 2021,
        period_end_year: 2030,
        report_due_month: 3,
        report_due_day: 31,
        targets: vec![
            target(
                "C2",
                "非化石能源占能源消费比重 (non-fossil share of energy use)",
                "%",
                Direction::Increase,
                None,
                &[
                    (2025, "24", About, "the proportion of non-fossil energy consumption has reached about 24%"),
                    (2030, "30", About, "the proportion of non-fossil energy consumption has reached about 30%"),
                    (2060, "80", AtLeast, "non-fossil energy consumption The proportion reaches more than 80%"),
                ],
            ),
            target(
                "R06",
                "森林覆盖率 (forest coverage)",
                "%",
                Direction::Increase,
                None,
                &[
                    (2025, "61.5", Exactly, "the forest coverage rate has reached 61.5%"),
                    (2030, "61.5", About, "the forest coverage rate has stabilized at about 61.5%"),
                ],
            ),
            target(
                "FOREST_STOCK",
                "森林蓄积量 (forest stock volume)",
                "million m³",
                Direction::Increase,
                None,
                &[
                    (2025, "445", Exactly, "the forest stock volume has reached 445 million cubic meters"),
                    (2030, "515", About, "the forest stock volume has reached about 515 million cubic meters"),
                ],
            ),
            target(
                "CO2_INTENSITY_VS_2005",
                "单位GDP二氧化碳排放较2005年变化 (CO₂ per unit GDP vs 2005)",
                "%",
                Direction::Decrease,
                Some((2005, "0")),
                &[(2030, "-65", AtMost, "carbon dioxide emissions per unit of GDP have dropped by more than 65% compared with 2005")],
            ),
            target(
                "WIND_SOLAR_CAPACITY",
                "风电、太阳能发电总装机容量 (installed wind and solar capacity)",
                "MW",
                Direction::Increase,
                None,
                &[(2030, "54000", AtLeast, "the total installed capacity of wind power and solar power has reached more than 54 million kilowatts")],
            ),
        ],
        tasks: Vec::new(),
    }
}

/// Runs one plan step at noon China time of `on`.
fn at(tx: &mut WriteTx, on: NaiveDate) {
    tx.set_now(on.and_hms_opt(4, 0, 0).unwrap_or_default().and_utc());
}

/// Loads the demo plans, reports and assessments through `tx`.
pub async fn load(tx: &mut WriteTx) -> anyhow::Result<()> {
    let zj = user(Role::Provincial, "330000", "浙江省发展改革委");
    at(tx, day(2021, 12, 23));
    let plan = service::draft_in(tx, &zj, zhejiang()).await?;
    service::issue_in(tx, &zj, plan.id, plan.version, day(2021, 12, 23), None).await?;

    let city = user(Role::Municipal, "371400", "德州市发展改革委");
    at(tx, day(2023, 7, 13));
    let plan = service::draft_in(tx, &city, dezhou()).await?;
    let plan = service::issue_in(tx, &city, plan.id, plan.version, day(2023, 7, 13), None).await?;
    let targets = regional_target::Entity::find()
        .filter(regional_target::Column::PlanId.eq(plan.id))
        .all(tx.conn())
        .await?;
    let target = |code: &str| targets.iter().find(|t| t.code == code).map(|t| t.id);
    let tasks = regional_task::Entity::find()
        .filter(regional_task::Column::PlanId.eq(plan.id))
        .all(tx.conn())
        .await?;
    let task = |number: &str| tasks.iter().find(|t| t.number == number).map(|t| t.id);
    let counties = region::Entity::find()
        .filter(region::Column::ParentCode.eq("371400"))
        .order_by_asc(region::Column::Code)
        .all(tx.conn())
        .await?;
    for (year, (c2, r01)) in [(2023, ("9.0", "-8.0")), (2024, ("10.1", "-11.5"))] {
        for (i, county) in counties.iter().enumerate() {
            // Leling has not filed its 2024 report: it shows as overdue.
            if year == 2024 && county.code == "371481" {
                continue;
            }
            let step = Decimal::from(i as i64);
            let share = d(c2) + step * d("0.3");
            let intensity = d(r01) - step * d("0.4");
            let reporter = user(Role::County, &county.code, &county.name);
            at(tx, day(year + 1, 3, 10) + TimeDelta::days(i as i64 * 2));
            let mut values = Vec::new();
            values.extend(target("C2").map(|t| (t, share)));
            values.extend(target("R01").map(|t| (t, intensity)));
            let mut progress = Vec::new();
            progress.extend(task("I.1").map(|t| {
                (
                    t,
                    TaskStatus::InProgress,
                    format!(
                        "{} rooftop photovoltaic projects connected to the grid",
                        3 + i
                    ),
                )
            }));
            progress.extend(task("IV.2").map(|t| {
                (
                    t,
                    if year == 2024 && i % 3 == 0 {
                        TaskStatus::Completed
                    } else {
                        TaskStatus::InProgress
                    },
                    "green building standards applied to new civil buildings".into(),
                )
            }));
            service::submit_report_in(
                tx,
                &reporter,
                ReportDraft {
                    plan_id: plan.id,
                    year,
                    summary: format!(
                        "{}: carbon-peak objectives and tasks of {year}, assessed by the county \
                         government and reported to the city's leading group.",
                        county.name
                    ),
                    values,
                    progress,
                },
            )
            .await?;
        }
        at(tx, day(year + 1, 4, 20));
        for (i, county) in counties.iter().enumerate() {
            if year == 2024 && county.code == "371481" {
                continue;
            }
            let rating = match i % 4 {
                0 => AssessmentRating::Excellent,
                3 => AssessmentRating::Passed,
                _ => AssessmentRating::Good,
            };
            service::assess_in(
                tx,
                &city,
                AssessmentDraft {
                    plan_id: plan.id,
                    region_code: county.code.clone(),
                    year,
                    rating,
                    comments: format!(
                        "{year}: objectives and tasks reviewed by the city's leading group office."
                    ),
                },
            )
            .await?;
        }
    }
    Ok(())
}
