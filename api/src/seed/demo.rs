//! The demo data set: the three programs of the seeds with their real rules, applicant
//! organisations in Shandong and Hechi, and pilots in every lifecycle stage with plausible
//! plans, indicators, projects, financing, reviews and history. Loading it twice adds nothing
//! twice: programs, organisations and pilots are keyed by document number, credit code and
//! pilot code, and a pilot's records are written only with the pilot.

use super::builder::{Builder, OrgSpec, PilotSpec, ProgramSpec, TypeRuleSpec, credit_code};
use crate::audit::writer::{Actor, WriteTx};
use crate::db::WriteQueue;
use entities::{
    FinancingKind, OrganizationKind::*, ParkLevel, PilotStatus::*, PilotType::*, ProgramLevel,
    RegionLevel, ReportKind, Role,
};
use sea_orm::{DatabaseConnection, EntityTrait};

/// Loads the demo set; returns how many pilots were added.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<usize> {
    // The seed is the only writer of its process: a queue of its own.
    let tx = WriteTx::begin(
        db,
        &WriteQueue::default(),
        Actor::system("import"),
        None,
        chrono::Utc::now(),
    )
    .await?;
    let mut b = Builder::new(tx);

    let shandong = b
        .program(ProgramSpec {
            name: "山东省近零碳城市、近零碳园区、近零碳社区示范创建",
            authority: "山东省生态环境厅 (Shandong Provincial Department of Ecology and Environment)",
            document_number: "鲁环发〔2023〕16号 (Lu Huanfa [2023] No. 16)",
            level: ProgramLevel::Provincial,
            region: Some("370000"),
            code_prefix: "SD",
            application: ("2023-07-06", "2023-10-31"),
            construction: ("2023-11-01", "2025-12-31"),
            notice_working_days: 5,
            re_review_interval_months: None,
            acceptance_grace_days: 0,
            notes: "约束性与参考性指标见原文附件，本数据集未收录：此处指标目录为示例；年度进展报告的报送日期(次年1月31日)为本地做法 (The constraint and reference indicators are in the plan's annexes, which this data set lacks: the catalogue here is an example; the yearly progress report due on 31 January is local practice.)",
            rules: vec![
                TypeRuleSpec::new(City, RegionLevel::County, &[CountyGovernment])
                    .reviewed_by(None, Role::Municipal)
                    .quota(1, RegionLevel::Municipality)
                    .acceptance("0.70", 10)
                    .catalogue()
                    .title("山东省近零碳城市 (Near Zero Carbon City of Shandong Province)"),
                TypeRuleSpec::new(Park, RegionLevel::County, &[ParkManagementCommittee])
                    .reviewed_by(Some(Role::County), Role::Municipal)
                    .min_park(ParkLevel::Provincial)
                    .quota(2, RegionLevel::Municipality)
                    .acceptance("0.70", 8)
                    .catalogue()
                    .title("山东省近零碳园区 (Near Zero Carbon Park of Shandong Province)"),
                TypeRuleSpec::new(Community, RegionLevel::County, &[ResidentsCommittee, VillagersCommittee])
                    .reviewed_by(Some(Role::County), Role::Municipal)
                    .quota(3, RegionLevel::Municipality)
                    .acceptance("0.70", 5)
                    .catalogue()
                    .title("山东省近零碳社区 (Near Zero Carbon Community of Shandong Province)"),
            ],
            calendar: china_public_holidays(),
            funds: Vec::new(),
            duties: vec![(ReportKind::ProgressReport, 1, 31, false)],
        })
        .await?;

    let ndrc = b
        .program(ProgramSpec {
            name: "国家碳达峰试点建设 (National carbon peak pilots)",
            authority: "国家发展和改革委员会 (National Development and Reform Commission)",
            document_number: "发改环资〔2023〕1409号 (NDRC 2023 No. 1409)",
            level: ProgramLevel::National,
            region: None,
            code_prefix: "NDRC",
            // Plan dated 2023-10-20; provinces' lists due before 2023-11-15.
            application: ("2023-10-20", "2023-11-14"),
            construction: ("2024-02-01", "2030-12-31"),
            notice_working_days: 5,
            re_review_interval_months: None,
            acceptance_grace_days: 0,
            notes: "每省名额见原文附件1，本数据集未收录；此处配额为示例数字；定期总结评估以次年2月28日前报送年度进展为本地做法 (The per-province quotas are in Annex 1 of the plan, which this data set lacks: the quotas here are examples, not the NDRC's figures. The plan asks for regular summary and evaluation: a progress report due on 28 February is local practice.)",
            rules: vec![
                // The province proposes within its quota, the NDRC confirms; no notice, no
                // acceptance and no title (the plan speaks of evaluation, not titles).
                TypeRuleSpec::new(City, RegionLevel::Municipality, &[CityGovernment])
                    .reviewed_by(None, Role::Provincial)
                    .designated_on_recommendation()
                    .quota(2, RegionLevel::Province),
                TypeRuleSpec::new(Park, RegionLevel::County, &[ParkManagementCommittee])
                    .reviewed_by(None, Role::Provincial)
                    .designated_on_recommendation()
                    .min_park(ParkLevel::Provincial)
                    .quota(2, RegionLevel::Province),
            ],
            calendar: china_public_holidays(),
            // 国家发展改革委将会同有关方面统筹现有资金渠道 (existing central channels).
            funds: vec![(
                "NDRC-ZYYS",
                "中央预算内投资 (central budget investment)",
                FinancingKind::CentralBudgetInvestment,
                "国家发展和改革委员会 (NDRC)",
            )],
            duties: vec![(ReportKind::ProgressReport, 2, 28, true)],
        })
        .await?;

    let hechi = b
        .program(ProgramSpec {
            name: "河池市近零碳排放区试点建设 (Hechi near-zero-carbon emission zones, trial)",
            authority: "河池市生态环境局等七部门 (Hechi Ecology and Environment Bureau with six bureaus)",
            document_number: "河池市近零碳排放区试点建设工作方案(试行) 2023-12-28",
            level: ProgramLevel::Municipal,
            region: Some("451200"),
            code_prefix: "HC",
            // 申报评审阶段 2024年1月—12月; first pilots built and accepted by 2025.
            application: ("2024-01-02", "2024-12-31"),
            construction: ("2025-01-01", "2025-12-31"),
            notice_working_days: 5,
            re_review_interval_months: Some(12),
            acceptance_grace_days: 0,
            notes: "方案未规定验收指标比例、指标目录、公示期限与报送日期；此处0.70比例、最低达标数、示例指标目录、5个工作日公示及次年1月31日(进展)、3月31日(碳排放信息披露)为本地做法 (The Hechi plan sets no acceptance thresholds, indicator catalogue, notice length or report dates: the 0.70 ratio, the minimum counts, the example catalogue, the 5-working-day notice and the due days — 31 January for progress, 31 March for the yearly emission disclosure the plan requires — are local practice, not the document's.)",
            rules: vec![
                TypeRuleSpec::new(City, RegionLevel::County, &[CountyGovernment])
                    .lead("ecology_environment,development_reform")
                    .reviewed_by(None, Role::County)
                    .acceptance("0.70", 8)
                    .catalogue()
                    .title("河池市近零碳排放区示范城区 (Hechi Near-Zero-Carbon Urban District)"),
                TypeRuleSpec::new(Park, RegionLevel::County, &[ParkManagementCommittee])
                    // On the autonomous-region-level (or higher) key industrial park list: the
                    // demo's list holds Hechi's industrial park.
                    .min_park(ParkLevel::Provincial)
                    .eligible_parks(vec![credit_code(ParkManagementCommittee, "451202", 18)])
                    .lead("industry")
                    .reviewed_by(None, Role::County)
                    .acceptance("0.70", 6)
                    .catalogue()
                    .title("河池市近零碳排放园区 (Hechi Near-Zero-Carbon Park)"),
                TypeRuleSpec::new(
                    Community,
                    RegionLevel::County,
                    &[ResidentsCommittee, Developer, PropertyManager],
                )
                .lead("ecology_environment,development_reform")
                .reviewed_by(None, Role::County)
                .acceptance("0.70", 4)
                    .catalogue()
                .title("河池市近零碳排放社区 (Hechi Near-Zero-Carbon Community)"),
                TypeRuleSpec::new(Campus, RegionLevel::County, &[School])
                    .lead("education")
                    .reviewed_by(None, Role::County)
                    .acceptance("0.70", 4)
                    .catalogue()
                    .title("河池市近零碳排放校园 (Hechi Near-Zero-Carbon Campus)"),
                TypeRuleSpec::new(Commercial, RegionLevel::County, &[CommercialVenueOperator])
                    .lead("commerce")
                    .reviewed_by(None, Role::County)
                    .acceptance("0.70", 4)
                    .catalogue()
                    .title("河池市近零碳排放商业场所 (Hechi Near-Zero-Carbon Commercial Venue)"),
            ],
            calendar: china_public_holidays(),
            // 方案“做好资金支持”所列三项资金 (the three funds the plan names).
            funds: vec![
                (
                    "HC-DQZX",
                    "中央大气污染防治专项资金 (central special fund for air-pollution control)",
                    FinancingKind::CentralSpecialFund,
                    "财政部、生态环境部 (Ministry of Finance, Ministry of Ecology and Environment)",
                ),
                (
                    "HC-ZYYS",
                    "污染治理和减碳中央预算内投资专项资金 (central-budget investment for pollution control and carbon reduction)",
                    FinancingKind::CentralBudgetInvestment,
                    "国家发展和改革委员会 (NDRC)",
                ),
                (
                    "HC-GYZX",
                    "自治区工业振兴资金(工业绿色发展示范节能降碳技术改造项目) (the autonomous region's industrial revitalisation fund, green-industry energy-saving retrofits)",
                    FinancingKind::ProvincialFiscalFund,
                    "广西壮族自治区工业和信息化厅 (Guangxi Department of Industry and Information Technology)",
                ),
            ],
            duties: vec![
                (ReportKind::ProgressReport, 1, 31, false),
                (ReportKind::EmissionDisclosure, 3, 31, true),
            ],
        })
        .await?;

    let org = |name, kind, region, serial, park| OrgSpec {
        name,
        kind,
        region,
        serial,
        park_level: park,
    };
    let yucheng_gov = b
        .organization(org("禹城市人民政府", CountyGovernment, "371482", 1, None))
        .await?;
    let lixia_gov = b
        .organization(org(
            "济南市历下区人民政府",
            CountyGovernment,
            "370102",
            2,
            None,
        ))
        .await?;
    let shouguang_gov = b
        .organization(org("寿光市人民政府", CountyGovernment, "370783", 3, None))
        .await?;
    let huangdao_gov = b
        .organization(org(
            "青岛市黄岛区人民政府",
            CountyGovernment,
            "370211",
            4,
            None,
        ))
        .await?;
    let dezhou_gov = b
        .organization(org("德州市人民政府", CityGovernment, "371400", 5, None))
        .await?;
    let jinchengjiang_gov = b
        .organization(org(
            "河池市金城江区人民政府",
            CountyGovernment,
            "451202",
            6,
            None,
        ))
        .await?;
    let dezhou_etdz = b
        .organization(org(
            "德州经济技术开发区管理委员会",
            ParkManagementCommittee,
            "371402",
            11,
            Some(ParkLevel::National),
        ))
        .await?;
    let yucheng_hitech = b
        .organization(org(
            "禹城高新技术产业开发区管理委员会",
            ParkManagementCommittee,
            "371482",
            12,
            Some(ParkLevel::National),
        ))
        .await?;
    let qihe_edz = b
        .organization(org(
            "齐河经济开发区管理委员会",
            ParkManagementCommittee,
            "371425",
            13,
            Some(ParkLevel::Provincial),
        ))
        .await?;
    let leling_edz = b
        .organization(org(
            "乐陵经济开发区管理委员会",
            ParkManagementCommittee,
            "371481",
            14,
            Some(ParkLevel::Provincial),
        ))
        .await?;
    let jinan_hitech = b
        .organization(org(
            "济南高新技术产业开发区管理委员会",
            ParkManagementCommittee,
            "370112",
            15,
            Some(ParkLevel::National),
        ))
        .await?;
    let zhucheng_edz = b
        .organization(org(
            "诸城经济开发区管理委员会",
            ParkManagementCommittee,
            "370782",
            16,
            Some(ParkLevel::Provincial),
        ))
        .await?;
    let jiaozhou_etdz = b
        .organization(org(
            "胶州经济技术开发区管理委员会",
            ParkManagementCommittee,
            "370281",
            17,
            Some(ParkLevel::National),
        ))
        .await?;
    let hechi_park = b
        .organization(org(
            "河池工业园区管理委员会",
            ParkManagementCommittee,
            "451202",
            18,
            Some(ParkLevel::Provincial),
        ))
        .await?;
    let hanhuai = b
        .organization(org(
            "禹城市市中街道汉槐社区居民委员会",
            ResidentsCommittee,
            "371482",
            21,
            None,
        ))
        .await?;
    let dongfeng = b
        .organization(org(
            "夏津县银城街道东风社区居民委员会",
            ResidentsCommittee,
            "371427",
            22,
            None,
        ))
        .await?;
    let lingcheng_village = b
        .organization(org(
            "陵城区郑家寨镇前孙村村民委员会",
            VillagersCommittee,
            "371403",
            23,
            None,
        ))
        .await?;
    let quancheng = b
        .organization(org(
            "历下区泉城路街道芙蓉社区居民委员会",
            ResidentsCommittee,
            "370102",
            24,
            None,
        ))
        .await?;
    let yizhou_community = b
        .organization(org(
            "河池市宜州区庆远镇城西社区居民委员会",
            ResidentsCommittee,
            "451203",
            25,
            None,
        ))
        .await?;
    let hechi_university = b
        .organization(org("河池学院", School, "451203", 31, None))
        .await?;
    let hechi_plaza = b
        .organization(org(
            "河池市金城江区金城广场商业运营管理有限公司",
            CommercialVenueOperator,
            "451202",
            41,
            None,
        ))
        .await?;

    let p = |code, name, program, applicant, region, pilot_type, status| PilotSpec {
        code,
        name,
        program,
        applicant,
        region,
        pilot_type,
        status,
        reference_met: None,
        failed_attempt_with: None,
    };
    let pilots = vec![
        // Shandong, Dezhou: one of each outcome. Dezhou's two park places (the quota) are taken,
        // so its other parks wait before recommendation.
        PilotSpec {
            reference_met: Some(11),
            ..p(
                "SD-2023-CITY-0001",
                "禹城市近零碳城市示范创建",
                shandong,
                yucheng_gov,
                "371482",
                City,
                Titled,
            )
        },
        PilotSpec {
            reference_met: Some(8),
            ..p(
                "SD-2023-PARK-0001",
                "德州经济技术开发区近零碳园区示范创建",
                shandong,
                dezhou_etdz,
                "371402",
                Park,
                Titled,
            )
        },
        PilotSpec {
            reference_met: Some(9),
            ..p(
                "SD-2023-PARK-0002",
                "禹城高新区近零碳园区示范创建",
                shandong,
                yucheng_hitech,
                "371482",
                Park,
                AcceptanceForwarded,
            )
        },
        PilotSpec {
            reference_met: Some(4),
            failed_attempt_with: Some(4),
            ..p(
                "SD-2023-COMMUNITY-0001",
                "禹城市汉槐社区近零碳社区示范创建",
                shandong,
                hanhuai,
                "371482",
                Community,
                Designated,
            )
        },
        PilotSpec {
            reference_met: Some(6),
            ..p(
                "SD-2023-COMMUNITY-0002",
                "夏津县东风社区近零碳社区示范创建",
                shandong,
                dongfeng,
                "371427",
                Community,
                AcceptanceRequested,
            )
        },
        p(
            "SD-2023-COMMUNITY-0003",
            "陵城区前孙村近零碳社区示范创建",
            shandong,
            lingcheng_village,
            "371403",
            Community,
            Rejected,
        ),
        p(
            "SD-2023-PARK-0004",
            "齐河经济开发区近零碳园区示范创建",
            shandong,
            qihe_edz,
            "371425",
            Park,
            CountyEndorsed,
        ),
        p(
            "SD-2023-PARK-0005",
            "乐陵经济开发区近零碳园区示范创建",
            shandong,
            leling_edz,
            "371481",
            Park,
            Submitted,
        ),
        // Shandong, elsewhere.
        p(
            "SD-2023-CITY-0002",
            "济南市历下区近零碳城市示范创建",
            shandong,
            lixia_gov,
            "370102",
            City,
            Designated,
        ),
        p(
            "SD-2023-PARK-0003",
            "济南高新区近零碳园区示范创建",
            shandong,
            jinan_hitech,
            "370112",
            Park,
            InPublicNotice,
        ),
        p(
            "SD-2023-COMMUNITY-0004",
            "历下区芙蓉社区近零碳社区示范创建",
            shandong,
            quancheng,
            "370102",
            Community,
            ExpertReviewed,
        ),
        p(
            "SD-2023-CITY-0003",
            "寿光市近零碳城市示范创建",
            shandong,
            shouguang_gov,
            "370783",
            City,
            Submitted,
        ),
        p(
            "SD-2023-PARK-0006",
            "诸城经济开发区近零碳园区示范创建",
            shandong,
            zhucheng_edz,
            "370782",
            Park,
            Draft,
        ),
        p(
            "SD-2023-CITY-0004",
            "青岛市黄岛区近零碳城市示范创建",
            shandong,
            huangdao_gov,
            "370211",
            City,
            Withdrawn,
        ),
        PilotSpec {
            reference_met: Some(8),
            ..p(
                "SD-2023-PARK-0007",
                "胶州经济技术开发区近零碳园区示范创建",
                shandong,
                jiaozhou_etdz,
                "370281",
                Park,
                Revoked,
            )
        },
        // National carbon-peak pilot: a prefecture-level city sits at its municipality.
        p(
            "NDRC-2023-CITY-0001",
            "德州市国家碳达峰试点城市建设",
            ndrc,
            dezhou_gov,
            "371400",
            City,
            Designated,
        ),
        p(
            "NDRC-2023-PARK-0001",
            "德州经济技术开发区国家碳达峰试点园区建设",
            ndrc,
            dezhou_etdz,
            "371402",
            Park,
            Recommended,
        ),
        // Hechi.
        p(
            "HC-2024-CITY-0001",
            "金城江区近零碳排放示范城区",
            hechi,
            jinchengjiang_gov,
            "451202",
            City,
            Designated,
        ),
        PilotSpec {
            reference_met: Some(5),
            ..p(
                "HC-2024-CAMPUS-0001",
                "河池学院近零碳排放校园",
                hechi,
                hechi_university,
                "451203",
                Campus,
                Titled,
            )
        },
        p(
            "HC-2024-PARK-0001",
            "河池工业园区近零碳排放园区",
            hechi,
            hechi_park,
            "451202",
            Park,
            InPublicNotice,
        ),
        p(
            "HC-2024-COMMERCIAL-0001",
            "金城广场近零碳排放商业场所",
            hechi,
            hechi_plaza,
            "451202",
            Commercial,
            Submitted,
        ),
        p(
            "HC-2024-COMMUNITY-0001",
            "宜州区城西社区近零碳排放社区",
            hechi,
            yizhou_community,
            "451203",
            Community,
            Draft,
        ),
    ];
    let mut added = 0;
    for spec in pilots {
        if b.pilot(spec).await? {
            added += 1;
        }
    }
    b.finish().await?;
    let plans = sea_orm::PaginatorTrait::count(entities::regional_plan::Entity::find(), db).await?;
    if plans == 0 {
        let mut tx = WriteTx::begin(
            db,
            &WriteQueue::default(),
            Actor::system("import"),
            None,
            chrono::Utc::now(),
        )
        .await?;
        super::regional::load(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(added)
}

/// China's statutory holidays (weekdays off) and make-up working weekend days, 2023 Q3 to
/// 2026, as announced by the State Council.
/// Weekday holidays and make-up working weekend days from the State Council General Office's
/// yearly notices on public holidays (2023: 国办发明电〔2022〕16号; 2024: 〔2023〕7号;
/// 2025: 〔2024〕12号; 2026: the notice of November 2025). Holidays that fall on a weekend
/// change nothing and are left out. The 2027 notice had not been published when this data set
/// was made: a program adds its days with `updateProgram(input: {calendar: …})` once it is.
fn china_public_holidays() -> Vec<(&'static str, bool)> {
    // (date, is_working_day)
    vec![
        ("2023-01-02", false),
        ("2023-01-23", false),
        ("2023-01-24", false),
        ("2023-01-25", false),
        ("2023-01-26", false),
        ("2023-01-27", false),
        ("2023-01-28", true),
        ("2023-01-29", true),
        ("2023-04-05", false),
        ("2023-04-23", true),
        ("2023-05-01", false),
        ("2023-05-02", false),
        ("2023-05-03", false),
        ("2023-05-06", true),
        ("2023-06-22", false),
        ("2023-06-23", false),
        ("2023-06-25", true),
        ("2023-09-29", false),
        ("2023-10-02", false),
        ("2023-10-03", false),
        ("2023-10-04", false),
        ("2023-10-05", false),
        ("2023-10-06", false),
        ("2023-10-07", true),
        ("2023-10-08", true),
        ("2024-01-01", false),
        ("2024-02-04", true),
        ("2024-02-12", false),
        ("2024-02-13", false),
        ("2024-02-14", false),
        ("2024-02-15", false),
        ("2024-02-16", false),
        ("2024-02-18", true),
        ("2024-04-04", false),
        ("2024-04-05", false),
        ("2024-04-07", true),
        ("2024-04-28", true),
        ("2024-05-01", false),
        ("2024-05-02", false),
        ("2024-05-03", false),
        ("2024-05-11", true),
        ("2024-06-10", false),
        ("2024-09-14", true),
        ("2024-09-16", false),
        ("2024-09-17", false),
        ("2024-09-29", true),
        ("2024-10-01", false),
        ("2024-10-02", false),
        ("2024-10-03", false),
        ("2024-10-04", false),
        ("2024-10-07", false),
        ("2024-10-12", true),
        ("2025-01-01", false),
        ("2025-01-26", true),
        ("2025-01-28", false),
        ("2025-01-29", false),
        ("2025-01-30", false),
        ("2025-01-31", false),
        ("2025-02-03", false),
        ("2025-02-04", false),
        ("2025-02-08", true),
        ("2025-04-04", false),
        ("2025-04-27", true),
        ("2025-05-01", false),
        ("2025-05-02", false),
        ("2025-05-05", false),
        ("2025-06-02", false),
        ("2025-09-28", true),
        ("2025-10-01", false),
        ("2025-10-02", false),
        ("2025-10-03", false),
        ("2025-10-06", false),
        ("2025-10-07", false),
        ("2025-10-08", false),
        ("2025-10-11", true),
        ("2026-01-01", false),
        ("2026-01-02", false),
        ("2026-01-04", true),
        ("2026-02-14", true),
        ("2026-02-16", false),
        ("2026-02-17", false),
        ("2026-02-18", false),
        ("2026-02-19", false),
        ("2026-02-20", false),
        ("2026-02-23", false),
        ("2026-02-28", true),
        ("2026-04-06", false),
        ("2026-05-01", false),
        ("2026-05-04", false),
        ("2026-05-05", false),
        ("2026-05-09", true),
        ("2026-06-19", false),
        ("2026-09-20", true),
        ("2026-09-25", false),
        ("2026-10-01", false),
        ("2026-10-02", false),
        ("2026-10-05", false),
        ("2026-10-06", false),
        ("2026-10-07", false),
        ("2026-10-10", true),
    ]
}

#[cfg(test)]
mod tests {
    use super::china_public_holidays;
    use crate::workflow::calendar::WorkCalendar;
    use chrono::NaiveDate;
    use entities::CalendarDayKind;

    fn calendar() -> WorkCalendar {
        WorkCalendar::new(china_public_holidays().into_iter().map(|(d, working)| {
            (
                d.parse::<NaiveDate>().expect("date"),
                if working {
                    CalendarDayKind::Workday
                } else {
                    CalendarDayKind::Holiday
                },
            )
        }))
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn notices_cross_the_spring_festivals_of_2023_and_2026_as_the_state_council_set_them() {
        let c = calendar();
        // 2023: 21–27 Jan off, Sat 28 and Sun 29 Jan worked.
        assert_eq!(c.notice_end(d("2023-01-20"), 3), d("2023-01-29"));
        // 2026: 15–23 Feb off, Sat 14 and Sat 28 Feb worked.
        assert_eq!(c.notice_end(d("2026-02-13"), 5), d("2026-02-26"));
        assert!(c.is_working_day(d("2026-02-28")));
        // 2026 National Day: 1–7 Oct off, Sun 20 Sep and Sat 10 Oct worked.
        assert_eq!(c.notice_end(d("2026-09-30"), 2), d("2026-10-08"));
    }

    #[test]
    fn every_listed_day_changes_something() {
        use chrono::Datelike;
        for (day, working) in china_public_holidays() {
            let weekend = d(day).weekday().number_from_monday() >= 6;
            assert_eq!(
                weekend, working,
                "{day}: holidays on weekdays, make-up days on weekends"
            );
        }
    }
}
