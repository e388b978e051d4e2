//! Writes seed records consistently: a pilot's history is derived from the stage it should be
//! in and walked through the lifecycle actions themselves under a fixed clock, so its workflow
//! events, reviews, notices, objections and acceptance records are what the API would have
//! made; plans, indicators, projects and financing are written beside them.

use crate::audit::writer::WriteTx;
use crate::auth::Viewer;
use crate::organizations::credit_code::check_character;
use crate::regions::code::RegionCode;
use crate::workflow::actions::{Action, Review};
use crate::workflow::calendar::WorkCalendar;
use crate::workflow::service::{self, Act};
use crate::workflow::transitions::Chain;
use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use entities::*;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use std::str::FromStr;

/// What a program is seeded with.
pub struct ProgramSpec {
    pub name: &'static str,
    pub authority: &'static str,
    pub document_number: &'static str,
    pub level: ProgramLevel,
    pub region: Option<&'static str>,
    pub code_prefix: &'static str,
    pub application: (&'static str, &'static str),
    pub construction: (&'static str, &'static str),
    pub notice_working_days: i32,
    pub re_review_interval_months: Option<i32>,
    /// Days after construction ends during which acceptance may still be requested.
    pub acceptance_grace_days: i32,
    /// Where the seeded data is not the document's own.
    pub notes: &'static str,
    pub rules: Vec<TypeRuleSpec>,
    /// (date, is a working day): holidays and make-up working days.
    pub calendar: Vec<(&'static str, bool)>,
    /// Named funds: (code, name, kind, administrator).
    pub funds: Vec<(&'static str, &'static str, FinancingKind, &'static str)>,
    /// Yearly reports: (kind, due month, due day, continues after the title).
    pub duties: Vec<(ReportKind, i32, i32, bool)>,
}

/// What a program requires of one pilot type.
pub struct TypeRuleSpec {
    pilot_type: PilotType,
    region_level: RegionLevel,
    kinds: Vec<OrganizationKind>,
    min_park: Option<ParkLevel>,
    lead: Option<&'static str>,
    quota: Option<(i32, RegionLevel)>,
    ratio: &'static str,
    min_count: i32,
    /// The steps acceptance requires (set with the thresholds by [`TypeRuleSpec::acceptance`]).
    steps: Vec<AcceptanceStep>,
    /// Credit codes of the parks that may apply, where the program keeps a list.
    parks: Vec<String>,
    title: &'static str,
    preliminary: Option<Role>,
    recommender: Role,
    expert_review: bool,
    public_notice: bool,
    acceptance: bool,
    /// Whether the type has an indicator catalogue (the seeded indicators).
    catalogue: bool,
}

impl TypeRuleSpec {
    /// A type sitting at `region_level`, open to `kinds`.
    pub fn new(
        pilot_type: PilotType,
        region_level: RegionLevel,
        kinds: &[OrganizationKind],
    ) -> Self {
        TypeRuleSpec {
            pilot_type,
            region_level,
            kinds: kinds.to_vec(),
            min_park: None,
            lead: None,
            quota: None,
            ratio: "0.70",
            min_count: 0,
            steps: Vec::new(),
            parks: Vec::new(),
            title: "",
            preliminary: None,
            recommender: Role::Municipal,
            expert_review: true,
            public_notice: true,
            acceptance: false,
            catalogue: false,
        }
    }
    /// The type's indicators come from a catalogue: the seeded constraints (required) and
    /// as many reference indicators as the type carries.
    pub fn catalogue(mut self) -> Self {
        self.catalogue = true;
        self
    }
    /// Who reviews before the issuing authority: the preliminary reviewer's level (if any)
    /// and the recommender's.
    pub fn reviewed_by(mut self, preliminary: Option<Role>, recommender: Role) -> Self {
        self.preliminary = preliminary;
        self.recommender = recommender;
        self
    }
    /// Designation follows the recommendation directly: no expert review, no public notice.
    pub fn designated_on_recommendation(mut self) -> Self {
        self.expert_review = false;
        self.public_notice = false;
        self
    }
    pub fn min_park(mut self, level: ParkLevel) -> Self {
        self.min_park = Some(level);
        self
    }
    /// The parks (by credit code) on the program's list of eligible parks.
    pub fn eligible_parks(mut self, codes: Vec<String>) -> Self {
        self.parks = codes;
        self
    }
    pub fn lead(mut self, departments: &'static str) -> Self {
        self.lead = Some(departments);
        self
    }
    pub fn quota(mut self, n: i32, per: RegionLevel) -> Self {
        self.quota = Some((n, per));
        self
    }
    /// Acceptance thresholds; acceptance then requires the experts' data review to pass and
    /// the on-site verification to be recorded (Shandong's "data review and on-site
    /// verification").
    pub fn acceptance(mut self, ratio: &'static str, min_count: i32) -> Self {
        self.ratio = ratio;
        self.min_count = min_count;
        self.steps = vec![
            AcceptanceStep::DataReviewPassed,
            AcceptanceStep::SiteVisitRecorded,
        ];
        self.acceptance = true;
        self
    }
    pub fn title(mut self, title: &'static str) -> Self {
        self.title = title;
        self
    }
}

/// An applicant organisation; `serial` makes its credit code.
pub struct OrgSpec<'a> {
    pub name: &'a str,
    pub kind: OrganizationKind,
    pub region: &'a str,
    pub serial: u32,
    pub park_level: Option<ParkLevel>,
}

/// A pilot and the stage it should be in.
pub struct PilotSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub program: i64,
    pub applicant: i64,
    pub region: &'static str,
    pub pilot_type: PilotType,
    pub status: PilotStatus,
    /// Reference indicators met at acceptance (default: all but two).
    pub reference_met: Option<i32>,
    /// A failed acceptance attempt first, with this many reference indicators met.
    pub failed_attempt_with: Option<i32>,
}

struct ProgramInfo {
    model: program::Model,
    rules: HashMap<PilotType, program_type_rule::Model>,
    calendar: WorkCalendar,
}

/// Writes seed records through one connection or transaction.
pub struct Builder {
    tx: WriteTx,
    programs: HashMap<i64, ProgramInfo>,
    orgs: HashMap<i64, organization::Model>,
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap_or_default()
}

/// 09:30 China time (01:30 UTC) on a day: seeded events happen in office hours.
fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(1, 30, 0).unwrap_or_default())
        .and_utc()
}

fn dec(s: &str) -> Dec {
    Dec(Decimal::from_str(s).unwrap_or_default())
}

/// A small deterministic hash, to vary seeded numbers between pilots.
pub fn spread(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A valid unified social credit code for a seeded organisation.
pub fn credit_code(kind: OrganizationKind, region: &str, serial: u32) -> String {
    let authority = match kind {
        OrganizationKind::CountyGovernment | OrganizationKind::CityGovernment => "11",
        OrganizationKind::ParkManagementCommittee | OrganizationKind::School => "12",
        OrganizationKind::ResidentsCommittee | OrganizationKind::VillagersCommittee => "55",
        _ => "91",
    };
    let first = format!("{authority}{region}{serial:09}");
    let check = check_character(&first).unwrap_or('0');
    format!("{first}{check}")
}

/// Demo pilots that have not filed their latest report, so an overdue one shows.
const UNFILED_IN_DEMO: [&str; 1] = ["HC-2024-CITY-0001"];

/// One step of a seeded history.
struct Step {
    action: WorkflowAction,
    to: PilotStatus,
    role: Role,
    day: NaiveDate,
}

const INDICATORS: [(&str, &str, &str, Direction, &str, &str); 15] = [
    (
        "C1",
        "单位GDP二氧化碳排放较2020年下降 (CO₂ per unit GDP, reduction vs 2020)",
        "%",
        Direction::Increase,
        "0",
        "20",
    ),
    (
        "C2",
        "非化石能源占能源消费比重 (non-fossil share of energy use)",
        "%",
        Direction::Increase,
        "9.5",
        "15",
    ),
    (
        "C3",
        "二氧化碳排放总量 (total CO₂ emissions)",
        "tCO2e",
        Direction::Decrease,
        "100",
        "85",
    ),
    (
        "R01",
        "单位GDP能耗较2020年变化 (energy use per unit GDP vs 2020)",
        "%",
        Direction::Decrease,
        "0",
        "-14.5",
    ),
    (
        "R02",
        "人均二氧化碳排放 (per-capita emissions)",
        "tCO2e/person",
        Direction::Decrease,
        "8.2",
        "6.5",
    ),
    (
        "R03",
        "光伏装机容量 (installed PV capacity)",
        "MW",
        Direction::Increase,
        "40",
        "120",
    ),
    (
        "R04",
        "新建建筑中绿色建筑占比 (green share of new buildings)",
        "%",
        Direction::Increase,
        "60",
        "100",
    ),
    (
        "R05",
        "新能源汽车新车销售占比 (new-energy share of new vehicles)",
        "%",
        Direction::Increase,
        "12",
        "30",
    ),
    (
        "R06",
        "森林覆盖率 (forest coverage)",
        "%",
        Direction::Increase,
        "18",
        "21",
    ),
    (
        "R07",
        "清洁取暖率 (clean heating rate)",
        "%",
        Direction::Increase,
        "70",
        "95",
    ),
    (
        "R08",
        "一般工业固废综合利用率 (industrial solid waste utilisation)",
        "%",
        Direction::Increase,
        "80",
        "92",
    ),
    (
        "R09",
        "公共交通出行分担率 (public transport share)",
        "%",
        Direction::Increase,
        "25",
        "40",
    ),
    (
        "R10",
        "生活垃圾分类覆盖率 (waste sorting coverage)",
        "%",
        Direction::Increase,
        "60",
        "100",
    ),
    (
        "R11",
        "终端能源电气化率 (electrification of final energy)",
        "%",
        Direction::Increase,
        "25",
        "35",
    ),
    (
        "R12",
        "绿色电力消费占比 (green electricity share)",
        "%",
        Direction::Increase,
        "10",
        "30",
    ),
];

fn reference_count(t: PilotType) -> usize {
    match t {
        PilotType::City => 12,
        PilotType::Park => 11,
        PilotType::Community => 7,
        PilotType::Campus | PilotType::Commercial => 6,
    }
}

impl Builder {
    /// Commits everything written, with its audit trail.
    pub async fn finish(self) -> anyhow::Result<()> {
        Ok(self.tx.commit().await?)
    }

    /// The transaction, for other writers of the same load.
    pub fn tx(&mut self) -> &mut WriteTx {
        &mut self.tx
    }

    /// A builder writing through `db`.
    pub fn new(tx: WriteTx) -> Self {
        Builder {
            tx,
            programs: HashMap::new(),
            orgs: HashMap::new(),
        }
    }

    /// Inserts a program unless one with the same document number exists; returns its id.
    pub async fn program(&mut self, spec: ProgramSpec) -> anyhow::Result<i64> {
        let existing = program::Entity::find()
            .filter(program::Column::DocumentNumber.eq(spec.document_number))
            .one(self.tx.conn())
            .await?;
        let model = match existing {
            Some(m) => m,
            None => {
                let created = at(date(spec.application.0)) - chrono::TimeDelta::days(7);
                let m = self
                    .tx
                    .insert_at(
                        created,
                        program::ActiveModel {
                            name: Set(spec.name.into()),
                            authority: Set(spec.authority.into()),
                            document_number: Set(spec.document_number.into()),
                            level: Set(spec.level),
                            region_code: Set(spec.region.map(Into::into)),
                            code_prefix: Set(spec.code_prefix.into()),
                            application_opens_on: Set(date(spec.application.0)),
                            application_closes_on: Set(date(spec.application.1)),
                            construction_starts_on: Set(date(spec.construction.0)),
                            construction_ends_on: Set(date(spec.construction.1)),
                            notice_working_days: Set(spec.notice_working_days),
                            re_review_interval_months: Set(spec.re_review_interval_months),
                            acceptance_grace_days: Set(spec.acceptance_grace_days),
                            notes: Set(spec.notes.into()),
                            version: Set(1),
                            created_at: Set(created),
                            updated_at: Set(created),
                            ..Default::default()
                        },
                    )
                    .await?;
                for r in &spec.rules {
                    let rule = self
                        .tx
                        .insert(program_type_rule::ActiveModel {
                            program_id: Set(m.id),
                            pilot_type: Set(r.pilot_type),
                            region_level: Set(r.region_level),
                            min_park_level: Set(r.min_park),
                            quota: Set(r.quota.map(|q| q.0)),
                            quota_region_level: Set(r
                                .quota
                                .map_or(RegionLevel::Municipality, |q| q.1)),
                            reference_ratio: Set(dec(r.ratio)),
                            reference_min_count: Set(r.min_count),
                            title: Set(r.title.into()),
                            preliminary_reviewer: Set(r.preliminary),
                            recommender: Set(r.recommender),
                            expert_review: Set(r.expert_review),
                            public_notice: Set(r.public_notice),
                            acceptance: Set(r.acceptance),
                            ..Default::default()
                        })
                        .await?;
                    let leads: Vec<String> = r
                        .lead
                        .iter()
                        .flat_map(|l| l.split(','))
                        .map(Into::into)
                        .collect();
                    let lists = crate::programs::rules::Lists {
                        applicant_kinds: &r.kinds,
                        lead_departments: &leads,
                        acceptance_steps: &r.steps,
                        eligible_parks: &r.parks,
                    };
                    crate::programs::rules::write_lists(&mut self.tx, rule.id, lists).await?;
                    if r.catalogue {
                        let catalogue: Vec<_> = INDICATORS
                            .iter()
                            .filter(|i| i.0.starts_with('C'))
                            .chain(
                                INDICATORS
                                    .iter()
                                    .filter(|i| i.0.starts_with('R'))
                                    .take(reference_count(r.pilot_type)),
                            )
                            .map(|(code, name, unit, direction, _, _)| {
                                let constraint = code.starts_with('C');
                                crate::programs::catalogues::CatalogueIndicatorFields {
                                    code: (*code).into(),
                                    name: (*name).into(),
                                    unit: (*unit).into(),
                                    direction: *direction,
                                    category: if constraint {
                                        IndicatorCategory::Constraint
                                    } else {
                                        IndicatorCategory::Reference
                                    },
                                    required: constraint,
                                }
                            })
                            .collect();
                        crate::programs::catalogues::write_indicators(
                            &mut self.tx,
                            "catalogue",
                            rule.id,
                            &catalogue,
                        )
                        .await?;
                    }
                }
                let funds: Vec<_> = spec
                    .funds
                    .iter()
                    .map(|(code, name, kind, administrator)| {
                        crate::programs::catalogues::FundFields {
                            code: (*code).into(),
                            name: (*name).into(),
                            kind: *kind,
                            administrator: (*administrator).into(),
                        }
                    })
                    .collect();
                crate::programs::catalogues::write_funds(&mut self.tx, m.id, &funds).await?;
                let duties: Vec<_> = spec
                    .duties
                    .iter()
                    .map(|(kind, due_month, due_day, after_title)| {
                        crate::programs::catalogues::ReportDutyFields {
                            kind: *kind,
                            due_month: *due_month,
                            due_day: *due_day,
                            after_title: *after_title,
                        }
                    })
                    .collect();
                crate::programs::catalogues::write_duties(&mut self.tx, m.id, &duties).await?;
                for (day, working) in &spec.calendar {
                    self.tx
                        .insert(program_calendar_day::ActiveModel {
                            program_id: Set(m.id),
                            day: Set(date(day)),
                            kind: Set(if *working {
                                CalendarDayKind::Workday
                            } else {
                                CalendarDayKind::Holiday
                            }),
                            note: Set(if *working {
                                "调休上班 (make-up working day)"
                            } else {
                                "法定节假日 (public holiday)"
                            }
                            .into()),
                            ..Default::default()
                        })
                        .await?;
                }
                m
            }
        };
        let rules = program_type_rule::Entity::find()
            .filter(program_type_rule::Column::ProgramId.eq(model.id))
            .all(self.tx.conn())
            .await?
            .into_iter()
            .map(|r| (r.pilot_type, r))
            .collect();
        let calendar = WorkCalendar::new(
            program_calendar_day::Entity::find()
                .filter(program_calendar_day::Column::ProgramId.eq(model.id))
                .all(self.tx.conn())
                .await?
                .into_iter()
                .map(|d| (d.day, d.kind)),
        );
        let id = model.id;
        self.programs.insert(
            id,
            ProgramInfo {
                model,
                rules,
                calendar,
            },
        );
        Ok(id)
    }

    /// Inserts an organisation unless its credit code exists; returns its id.
    pub async fn organization(&mut self, spec: OrgSpec<'_>) -> anyhow::Result<i64> {
        let code = credit_code(spec.kind, spec.region, spec.serial);
        let existing = organization::Entity::find()
            .filter(organization::Column::CreditCode.eq(code.as_str()))
            .one(self.tx.conn())
            .await?;
        let model = match existing {
            Some(m) => m,
            None => {
                let region = RegionCode::parse(spec.region).map_err(anyhow::Error::msg)?;
                let created = at(date("2023-06-01"));
                self.tx
                    .insert_at(
                        created,
                        organization::ActiveModel {
                            name: Set(spec.name.into()),
                            kind: Set(spec.kind),
                            credit_code: Set(code),
                            region_code: Set(spec.region.into()),
                            municipality_code: Set(region
                                .municipality()
                                .unwrap_or_else(|| region.province())),
                            province_code: Set(region.province()),
                            park_level: Set(spec.park_level),
                            version: Set(1),
                            created_at: Set(created),
                            updated_at: Set(created),
                            ..Default::default()
                        },
                    )
                    .await?
            }
        };
        let id = model.id;
        self.orgs.insert(id, model);
        Ok(id)
    }

    /// The program's path of the lifecycle up to `spec.status`, with dates: each step taken
    /// by the actor the program names for it, skipping the stages it lacks, with the
    /// objections, reviews and re-reviews a pilot of that stage has had.
    fn history(
        &self,
        spec: &PilotSpec,
        p: &ProgramInfo,
        rule: &program_type_rule::Model,
    ) -> Vec<Step> {
        use PilotStatus::*;
        use WorkflowAction as A;
        let chain = Chain::of(&p.model, rule, Vec::new());
        let authority = chain.issuing_authority;
        let h = spread(spec.code);
        // Submitted inside the window (the NDRC's is short).
        let mut day = (p.model.application_opens_on + Days::new(25 + h % 12))
            .min(p.model.application_closes_on);
        let mut steps: Vec<Step> = Vec::new();
        let target = spec.status;
        // Appends a step `gap` days later; true once the target state is reached.
        let mut push = |action, to, role, gap: u64, day: &mut NaiveDate| {
            *day = *day + Days::new(gap);
            steps.push(Step {
                action,
                to,
                role,
                day: *day,
            });
            to == target
        };
        if target == Draft {
            return steps;
        }
        if push(A::Submit, Submitted, Role::Applicant, 0, &mut day) {
            return steps;
        }
        if target == Withdrawn {
            push(A::Withdraw, Withdrawn, Role::Applicant, 9, &mut day);
            return steps;
        }
        if let Some(level) = chain.preliminary_reviewer
            && push(A::Endorse, CountyEndorsed, level, 7, &mut day)
        {
            return steps;
        }
        if target == Rejected {
            push(A::Reject, Rejected, chain.recommender, 10, &mut day);
            return steps;
        }
        if push(A::Recommend, Recommended, chain.recommender, 10, &mut day) {
            return steps;
        }
        // The issuing authority acts after the application window closes.
        day = day.max(p.model.application_closes_on);
        if chain.expert_review
            && push(
                A::RecordExpertReview,
                ExpertReviewed,
                authority,
                8,
                &mut day,
            )
        {
            return steps;
        }
        if chain.public_notice {
            push(A::StartPublicNotice, InPublicNotice, authority, 6, &mut day);
            let start = day;
            // Some notices draw an objection: one still open, or one dismissed.
            let open = target == InPublicNotice && h.is_multiple_of(2);
            if open || spec.pilot_type == PilotType::City {
                push(A::RecordObjection, InPublicNotice, authority, 2, &mut day);
                if !open {
                    push(A::ResolveObjection, InPublicNotice, authority, 1, &mut day);
                }
            }
            if target == InPublicNotice {
                return steps;
            }
            day = p
                .calendar
                .notice_end(start, p.model.notice_working_days as u32);
        }
        if push(A::Designate, Designated, authority, 3, &mut day)
            && spec.failed_attempt_with.is_none()
            || !chain.acceptance
        {
            return steps;
        }
        let span = (p.model.construction_ends_on - p.model.construction_starts_on)
            .num_days()
            .max(0) as u64;
        let mut request_day = p.model.construction_starts_on + Days::new(span * 3 / 4);
        if spec.failed_attempt_with.is_some() {
            day = p.model.construction_starts_on + Days::new(span / 2);
            push(
                A::RequestAcceptance,
                AcceptanceRequested,
                Role::Applicant,
                0,
                &mut day,
            );
            push(
                A::ForwardAcceptance,
                AcceptanceForwarded,
                chain.recommender,
                10,
                &mut day,
            );
            push(
                A::RecordAcceptanceReview,
                AcceptanceForwarded,
                authority,
                14,
                &mut day,
            );
            if push(A::DecideAcceptance, Designated, authority, 26, &mut day) {
                return steps;
            }
            request_day = day + Days::new(150);
        }
        day = request_day;
        if push(
            A::RequestAcceptance,
            AcceptanceRequested,
            Role::Applicant,
            0,
            &mut day,
        ) {
            return steps;
        }
        let forwarded = push(
            A::ForwardAcceptance,
            AcceptanceForwarded,
            chain.recommender,
            10,
            &mut day,
        );
        // The experts' data review and site visit: recorded, and (when forwarded) undecided.
        push(
            A::RecordAcceptanceReview,
            AcceptanceForwarded,
            authority,
            14,
            &mut day,
        );
        if forwarded {
            return steps;
        }
        push(A::DecideAcceptance, Titled, authority, 26, &mut day);
        // Re-reviewed: revoked, or (where the program re-reviews periodically) maintained.
        if target == Revoked {
            push(A::ReReview, Revoked, authority, 180, &mut day);
        } else if p.model.re_review_interval_months.is_some() {
            push(A::ReReview, Titled, authority, 150, &mut day);
        }
        steps
    }

    /// The action a step of the history takes, with its details.
    async fn action_for(
        &self,
        steps: &[Step],
        i: usize,
        pilot: &pilot::Model,
    ) -> anyhow::Result<Action> {
        use WorkflowAction as A;
        let s = &steps[i];
        let h = spread(&pilot.code);
        // A review passes unless the decision after it fails the attempt.
        let passes = steps[i..]
            .iter()
            .find(|x| x.action == A::DecideAcceptance)
            .is_none_or(|d| d.to == PilotStatus::Titled);
        let review = |result: bool, comments: &str, names: &[&str]| Review {
            result: if result {
                ReviewResult::Pass
            } else {
                ReviewResult::Fail
            },
            score: Some(Decimal::new(700 + (h % 250) as i64, 1)),
            comments: comments.into(),
            expert_names: names.iter().map(|n| (*n).to_owned()).collect(),
            reviewed_on: Some(s.day),
            site_visit_on: Some(s.day),
            site_findings: Some("现场核查与申报材料一致 (site matches the file)".into()),
        };
        Ok(match s.action {
            A::Submit => Action::Submit,
            A::Withdraw => Action::Withdraw,
            A::Endorse => Action::Endorse,
            A::Recommend => Action::Recommend,
            A::Return => Action::Return,
            A::Reject => Action::Reject,
            A::Designate => Action::Designate,
            A::ForwardAcceptance => Action::ForwardAcceptance,
            A::RecordExpertReview => Action::RecordExpertReview(Review {
                score: Some(Decimal::new(780 + (h % 170) as i64, 1)),
                site_visit_on: None,
                site_findings: None,
                ..review(
                    true,
                    "方案目标明确、路径清晰，同意通过评审 (clear targets and path; approved)",
                    &["王建国", "李晓梅", "张海峰", "陈思远", "刘文博"],
                )
            }),
            A::StartPublicNotice => Action::StartPublicNotice { starts_on: None },
            A::RecordObjection => Action::RecordObjection {
                received_on: None,
                objector: "公众 (member of the public)".into(),
                content: "对申报边界内企业排放数据有疑问 (questions the emission data of a firm in the area)".into(),
            },
            A::ResolveObjection => {
                let open = objection::Entity::find()
                    .filter(objection::Column::PilotId.eq(pilot.id))
                    .filter(objection::Column::Status.eq(ObjectionStatus::Open))
                    .one(self.tx.conn())
                    .await?
                    .context("an objection to resolve")?;
                Action::ResolveObjection {
                    objection_id: open.id,
                    upheld: false,
                    resolution: "经核实数据来源可靠，异议不成立 (data verified; objection dismissed)".into(),
                }
            }
            A::RequestAcceptance => Action::RequestAcceptance {
                self_assessment: "对照创建方案逐项自评，约束性指标全部完成 (self-assessed against the creation plan)".into(),
            },
            A::RecordAcceptanceReview => Action::RecordAcceptanceReview(review(
                passes,
                "数据核查完成 (data review completed)",
                &["赵立新", "孙雅琴", "周明远"],
            )),
            A::DecideAcceptance => Action::DecideAcceptance {
                result: if s.to == PilotStatus::Titled {
                    ReviewResult::Pass
                } else {
                    ReviewResult::Fail
                },
                rectification_deadline: None,
            },
            A::ReReview => Action::ReReview {
                outcome: if s.to == PilotStatus::Revoked {
                    ReReviewOutcome::Revoked
                } else {
                    ReReviewOutcome::Maintained
                },
                reviewed_on: None,
                rectification_deadline: None,
            },
        })
    }

    /// Who takes a step of `role` on the pilot: the applicant organisation, or the bureau of
    /// the level (of the type's first lead department, where the program names any).
    fn viewer(
        &self,
        role: Role,
        spec: &PilotSpec,
        org: &organization::Model,
        lead: Option<&str>,
    ) -> Viewer {
        let (sub, region, name) = self.actor(role, spec, org);
        Viewer {
            sub,
            role,
            region: region.and_then(|r| RegionCode::parse(&r).ok()),
            org: (role == Role::Applicant).then_some(org.id),
            dept: lead
                .filter(|_| matches!(role, Role::Municipal | Role::County))
                .map(Into::into),
            name: Some(name),
            request_id: None,
            expires_at: None,
        }
    }
    fn actor(
        &self,
        role: Role,
        spec: &PilotSpec,
        org: &organization::Model,
    ) -> (String, Option<String>, String) {
        let region = RegionCode::parse(spec.region).ok();
        let municipality = region
            .as_ref()
            .and_then(|r| r.municipality())
            .unwrap_or_default();
        let province = region.as_ref().map(|r| r.province()).unwrap_or_default();
        match role {
            Role::Applicant => (
                format!("applicant:{}", org.credit_code),
                None,
                org.name.clone(),
            ),
            Role::County => (
                format!("county:{}", spec.region),
                Some(spec.region.into()),
                "县级生态环境分局".into(),
            ),
            Role::Municipal => (
                format!("municipal:{municipality}"),
                Some(municipality),
                "市生态环境局".into(),
            ),
            Role::National => (
                "national:ndrc".into(),
                None,
                "国家发展改革委 (National Development and Reform Commission)".into(),
            ),
            _ => (
                format!("provincial:{province}"),
                Some(province),
                "省生态环境厅".into(),
            ),
        }
    }

    /// Inserts a pilot with its history and records unless its code exists; returns whether
    /// it was added. The history is walked through the lifecycle actions themselves
    /// (`workflow::service::apply_in`), each at its day, by the actor the program names: what
    /// the seed holds is what the API would have let happen.
    pub async fn pilot(&mut self, spec: PilotSpec) -> anyhow::Result<bool> {
        let exists = pilot::Entity::find()
            .filter(pilot::Column::Code.eq(spec.code))
            .one(self.tx.conn())
            .await?;
        if exists.is_some() {
            return Ok(false);
        }
        let p = self
            .programs
            .get(&spec.program)
            .context("program not loaded")?;
        let org = self
            .orgs
            .get(&spec.applicant)
            .context("organisation not loaded")?
            .clone();
        let rule = p
            .rules
            .get(&spec.pilot_type)
            .context("type not in program")?
            .clone();
        let steps = self.history(&spec, p, &rule);
        let region = RegionCode::parse(spec.region).map_err(anyhow::Error::msg)?;
        let h = spread(spec.code);
        let created_day = p.model.application_opens_on + Days::new(5 + h % 10);
        let created_at = at(created_day);
        let reached = |s: PilotStatus| steps.iter().any(|x| x.to == s);
        let designated_at = steps
            .iter()
            .find(|x| x.action == WorkflowAction::Designate)
            .map(|x| at(x.day));
        let baseline = Decimal::from(200_000 + h % 900_000);
        let pilot = self
            .tx
            .insert_at(
                created_at,
                pilot::ActiveModel {
                    code: Set(spec.code.into()),
                    program_id: Set(spec.program),
                    applicant_id: Set(spec.applicant),
                    region_code: Set(spec.region.into()),
                    county_code: Set(
                        (region.level() == RegionLevel::County).then(|| spec.region.into())
                    ),
                    municipality_code: Set(region
                        .municipality()
                        .unwrap_or_else(|| region.province())),
                    province_code: Set(region.province()),
                    pilot_type: Set(spec.pilot_type),
                    status: Set(PilotStatus::Draft),
                    name: Set(spec.name.into()),
                    boundary: Set(format!(
                        "{}行政/管理边界范围内 (within the administrative boundary of {})",
                        spec.name, spec.region
                    )),
                    area_km2: Set(Dec(Decimal::new(((h % 90_000) + 1_000) as i64, 2))),
                    population: Set(match spec.pilot_type {
                        PilotType::City => 300_000 + (h % 400_000) as i64,
                        PilotType::Park => 20_000 + (h % 40_000) as i64,
                        _ => 2_000 + (h % 9_000) as i64,
                    }),
                    baseline_year: Set(2020),
                    baseline_emissions: Set(Dec(baseline)),
                    park_level: Set(if spec.pilot_type == PilotType::Park {
                        org.park_level
                    } else {
                        None
                    }),
                    has_unmet_carbon_market_obligations: Set(Some(false)),
                    has_falsified_emission_data: Set(Some(false)),
                    has_serious_pollution_case: Set(Some(false)),
                    notice_starts_on: Set(None),
                    notice_ends_on: Set(None),
                    designated_at: Set(None),
                    rectification_deadline: Set(None),
                    title: Set(None),
                    version: Set(1),
                    created_at: Set(created_at),
                    updated_at: Set(created_at),
                    ..Default::default()
                },
            )
            .await?;

        // What the application carries before it is submitted.
        let submitted = reached(PilotStatus::Submitted);
        let designated = reached(PilotStatus::Designated);
        self.plans(&pilot, submitted, designated_at).await?;
        if !submitted {
            return Ok(true);
        }
        let indicators = self.indicators(&pilot, &spec).await?;
        self.projects_and_financing(&pilot, reached(PilotStatus::Recommended), designated)
            .await?;

        // Walk the history through the actions, each at its day.
        let lead =
            crate::programs::rules::of_type(self.tx.conn(), pilot.program_id, pilot.pilot_type)
                .await?
                .and_then(|r| r.lead_departments.first().cloned());
        let mut pilot = pilot;
        let mut attempt = 0;
        for (i, s) in steps.iter().enumerate() {
            if s.action == WorkflowAction::DecideAcceptance {
                // The values the attempt is decided on are reported before it.
                self.attempt_actuals(&indicators, &spec, attempt, s.day - Days::new(30))
                    .await?;
                attempt += 1;
            }
            let viewer = self.viewer(s.role, &spec, &org, lead.as_deref());
            let act = Act {
                pilot_id: pilot.id,
                version: pilot.version,
                comment: comment_for(s.action, s.to),
                action: self.action_for(&steps, i, &pilot).await?,
            };
            self.tx.set_now(at(s.day));
            pilot = service::apply_in(&mut self.tx, &viewer, act)
                .await
                .map_err(|e| {
                    anyhow::Error::from(e)
                        .context(format!("{} {} on {}", spec.code, s.action, s.day))
                })?
                .pilot;
            if s.action == WorkflowAction::Designate {
                let mid = s.day + Days::new(200);
                for ind in &indicators {
                    let value = (ind.baseline_value.0 + ind.target_value.0) / Decimal::from(2);
                    self.actual(ind, mid, value, "中期监测 (mid-term monitoring)")
                        .await?;
                }
            }
        }
        if attempt == 0 && spec.reference_met.is_some() && designated {
            // Requested or forwarded but undecided: the self-assessed values.
            let day = pilot.updated_at.date_naive() - Days::new(15);
            self.attempt_actuals(&indicators, &spec, 0, day).await?;
        }
        if designated {
            let d = designated_at.map_or(created_day, |t| t.date_naive()) + Days::new(120);
            self.tx.insert_at(at(d), tracking_note::ActiveModel {
                pilot_id: Set(pilot.id),
                body: Set("已开展季度调度，重点项目按计划推进 (quarterly review held; key projects on schedule)".into()),
                author_sub: Set(format!("municipal:{}", pilot.municipality_code)),
                author_name: Set(Some("市生态环境局应对气候变化科".into())),
                created_at: Set(at(d)),
                ..Default::default()
            }).await?;
        }
        self.reports(&pilot).await?;
        Ok(true)
    }

    /// Files the reports the pilot owes whose due day has passed, a fortnight before it —
    /// all but the latest of the pilots in [`UNFILED_IN_DEMO`], which shows as overdue.
    async fn reports(&mut self, pilot: &pilot::Model) -> anyhow::Result<()> {
        let Some(p) = self.programs.get(&pilot.program_id) else {
            return Ok(());
        };
        let construction_ends_on = p.model.construction_ends_on;
        let duties = crate::programs::catalogues::duties(self.tx.conn(), pilot.program_id).await?;
        let today = crate::clock::china_date(Utc::now());
        let owed = crate::supervision::reports::owed(
            pilot.status,
            pilot.designated_at.map(crate::clock::china_date),
            construction_ends_on,
            &duties,
            today,
        );
        let mut due: Vec<_> = owed.into_iter().filter(|o| o.due_on <= today).collect();
        if UNFILED_IN_DEMO.contains(&pilot.code.as_str()) {
            due.pop();
        }
        let h = spread(&pilot.code);
        for o in due {
            let filed = o.due_on - Days::new(14);
            let disclosure = o.kind == ReportKind::EmissionDisclosure;
            self.tx
                .insert_at(
                    at(filed),
                    annual_report::ActiveModel {
                        pilot_id: Set(pilot.id),
                        kind: Set(o.kind),
                        year: Set(o.year),
                        summary: Set(if disclosure {
                            format!("{}年度碳排放信息披露 (emission disclosure for {})", o.year, o.year)
                        } else {
                            format!("{}年度建设进展报告：重点项目按计划推进 (progress in {}: key projects on schedule)", o.year, o.year)
                        }),
                        emissions_tco2e: Set(disclosure.then(|| {
                            Dec(Decimal::from(40_000 + (h % 60_000)) - Decimal::from(1_500 * (o.year - 2023)))
                        })),
                        published_url: Set(disclosure.then(|| {
                            format!("https://www.hechi.gov.cn/disclosure/{}/{}", pilot.code, o.year)
                        })),
                        submitted_on: Set(filed),
                        reporter_sub: Set(format!("applicant:{}", pilot.applicant_id)),
                        version: Set(1),
                        created_at: Set(at(filed)),
                        updated_at: Set(at(filed)),
                        ..Default::default()
                    },
                )
                .await?;
        }
        Ok(())
    }

    async fn plans(
        &mut self,
        pilot: &pilot::Model,
        submitted: bool,
        designated_at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<()> {
        let made = pilot.created_at + chrono::TimeDelta::days(10);
        let mut plans = vec![
            (
                PlanKind::CreationPlan,
                1,
                "示范创建方案 (creation plan)",
                submitted,
                made,
            ),
            (
                PlanKind::ResearchReport,
                1,
                "研究报告 (research report)",
                submitted,
                made,
            ),
        ];
        if let Some(d) = designated_at {
            let later = d + chrono::TimeDelta::days(30);
            plans.push((
                PlanKind::CreationPlan,
                2,
                "示范创建方案（修订） (creation plan, revised)",
                true,
                later,
            ));
            plans.push((
                PlanKind::ImplementationPlan,
                1,
                "实施方案 (implementation plan)",
                true,
                later,
            ));
        }
        let revised = designated_at.is_some();
        for (kind, n, title, published, when) in plans {
            let superseded = kind == PlanKind::CreationPlan && n == 1 && revised;
            let doc = format!("{}-{}-v{n}.pdf", pilot.code, kind.as_str().to_lowercase());
            self.tx.insert_at(when - chrono::TimeDelta::days(3), plan::ActiveModel {
                pilot_id: Set(pilot.id),
                kind: Set(kind),
                title: Set(format!("{} {}", pilot.name, title)),
                plan_version: Set(n),
                period_start_year: Set(2023),
                period_end_year: Set(2025),
                summary: Set("围绕能源、产业、建筑、交通、生活等领域提出近零碳建设任务 (tasks across energy, industry, buildings, transport and living)".into()),
                document_sha256: Set(Some(hex::encode(sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(doc.as_bytes()))))),
                document_name: Set(Some(doc)),
                document_media_type: Set(Some("application/pdf".into())),
                document_size: Set(Some(400_000 + (spread(title) % 2_000_000) as i64)),
                status: Set(if superseded {
                    PlanStatus::Superseded
                } else if published {
                    PlanStatus::Published
                } else {
                    PlanStatus::Draft
                }),
                published_at: Set(published.then_some(when)),
                version: Set(if superseded { 3 } else if published { 2 } else { 1 }),
                created_at: Set(when - chrono::TimeDelta::days(3)),
                updated_at: Set(when),
                ..Default::default()
            }).await?;
        }
        Ok(())
    }

    /// The pilot's indicators with their targets: the catalogue's constraints, then as many
    /// reference indicators as the type carries.
    async fn indicators(
        &mut self,
        pilot: &pilot::Model,
        spec: &PilotSpec,
    ) -> anyhow::Result<Vec<indicator::Model>> {
        let n_ref = reference_count(spec.pilot_type);
        let chosen = INDICATORS
            .iter()
            .take(3)
            .chain(INDICATORS.iter().skip(3).take(n_ref));
        let mut out = Vec::new();
        for (i, (code, name, unit, direction, base, target)) in chosen.enumerate() {
            let category = if i < 3 {
                IndicatorCategory::Constraint
            } else {
                IndicatorCategory::Reference
            };
            let scale = |s: &str| -> Decimal {
                let v = Decimal::from_str(s).unwrap_or_default();
                if *unit == "tCO2e" {
                    v * pilot.baseline_emissions.0 / Decimal::from(100)
                } else {
                    v
                }
            };
            let when = pilot.created_at + chrono::TimeDelta::days(12);
            let ind = self
                .tx
                .insert_at(
                    when,
                    indicator::ActiveModel {
                        pilot_id: Set(pilot.id),
                        code: Set((*code).into()),
                        name: Set((*name).into()),
                        category: Set(category),
                        unit: Set((*unit).into()),
                        direction: Set(*direction),
                        baseline_value: Set(Dec(scale(base))),
                        target_value: Set(Dec(scale(target))),
                        target_year: Set(2025),
                        version: Set(1),
                        created_at: Set(when),
                        updated_at: Set(when),
                        ..Default::default()
                    },
                )
                .await?;
            out.push(ind);
        }
        Ok(out)
    }

    /// The self-assessed values of acceptance attempt `attempt` for the period ending on
    /// `period_end`: every constraint met, and the wanted number of reference indicators
    /// (the first attempt's own number where it failed; all but two by default).
    async fn attempt_actuals(
        &mut self,
        indicators: &[indicator::Model],
        spec: &PilotSpec,
        attempt: usize,
        period_end: NaiveDate,
    ) -> anyhow::Result<()> {
        let n_ref = reference_count(spec.pilot_type) as i32;
        let final_met = spec.reference_met.unwrap_or(n_ref - 2).clamp(0, n_ref) as usize;
        let mut attempts_met: Vec<usize> = Vec::new();
        if let Some(first) = spec.failed_attempt_with {
            attempts_met.push(first.clamp(0, n_ref) as usize);
        }
        attempts_met.push(final_met);
        let wanted = attempts_met.get(attempt).copied().unwrap_or(final_met);
        for (i, ind) in indicators.iter().enumerate() {
            let met = ind.category == IndicatorCategory::Constraint || i - 3 < wanted;
            let (base, target) = (ind.baseline_value.0, ind.target_value.0);
            let step = (target - base) / Decimal::from(10);
            let value = if met {
                target + step
            } else {
                target - step * Decimal::from(3)
            };
            self.actual(
                ind,
                period_end,
                value,
                "验收自评估 (acceptance self-assessment)",
            )
            .await?;
        }
        Ok(())
    }

    async fn actual(
        &mut self,
        ind: &indicator::Model,
        period_end: NaiveDate,
        value: Decimal,
        note: &str,
    ) -> anyhow::Result<()> {
        self.tx
            .insert_at(
                at(period_end + Days::new(10)),
                indicator_actual::ActiveModel {
                    indicator_id: Set(ind.id),
                    pilot_id: Set(ind.pilot_id),
                    period_end: Set(period_end),
                    value: Set(Dec(value.round_dp(4))),
                    note: Set(note.into()),
                    reported_by: Set("applicant".into()),
                    created_at: Set(at(period_end + Days::new(10))),
                    ..Default::default()
                },
            )
            .await?;
        Ok(())
    }

    async fn projects_and_financing(
        &mut self,
        pilot: &pilot::Model,
        recommended: bool,
        designated: bool,
    ) -> anyhow::Result<()> {
        let h = spread(&pilot.code);
        let projects = [
            (
                "分布式光伏整体推进项目 (rooftop PV roll-out)",
                ProjectField::EnergyInfrastructure,
                18_500_000u64,
                "12000",
            ),
            (
                "既有建筑节能改造项目 (building energy retrofit)",
                ProjectField::EnergySavingRetrofit,
                6_200_000,
                "3500",
            ),
            (
                "公交电动化与充电设施项目 (electric buses and chargers)",
                ProjectField::GreenTransport,
                9_800_000,
                "5200",
            ),
        ];
        let when = pilot.created_at + chrono::TimeDelta::days(14);
        let mut ids = Vec::new();
        for (i, (name, field, invest, reduction)) in projects.iter().enumerate() {
            let scale = 1 + (h >> (i * 8)) % 5;
            let (status, progress) = match (designated, i) {
                (true, 0) => (ProjectStatus::Completed, 100),
                (true, _) => (ProjectStatus::InProgress, 35 + (h % 50) as i32),
                (false, _) => (ProjectStatus::Planned, 0),
            };
            let m = self
                .tx
                .insert_at(
                    when,
                    key_project::ActiveModel {
                        pilot_id: Set(pilot.id),
                        name: Set((*name).into()),
                        field: Set(*field),
                        planned_investment: Set(Dec(Decimal::from(invest * scale))),
                        expected_annual_reduction: Set(Dec(Decimal::from_str(reduction)
                            .unwrap_or_default()
                            * Decimal::from(scale))),
                        starts_on: Set(Some(date("2024-01-01"))),
                        ends_on: Set(Some(date("2025-10-31"))),
                        status: Set(status),
                        progress_percent: Set(progress),
                        version: Set(1),
                        created_at: Set(when),
                        updated_at: Set(when),
                        ..Default::default()
                    },
                )
                .await?;
            ids.push((m.id, invest * scale));
        }
        if !recommended {
            return Ok(());
        }
        let sources = [
            (
                FinancingKind::GreenCredit,
                "中国农业银行德州分行 (Agricultural Bank of China)",
                Some(0),
                "LN-2024-",
            ),
            (
                FinancingKind::ProvincialFiscalFund,
                "省级生态环境保护专项资金 (provincial eco-environment fund)",
                Some(1),
                "CZ-2024-",
            ),
            (
                FinancingKind::SocialCapital,
                "社会资本合作方 (private partner)",
                None,
                "PPP-2024-",
            ),
        ];
        for (i, (kind, provider, project, prefix)) in sources.iter().enumerate() {
            let base = project.map_or(5_000_000, |p| ids[p].1);
            let committed = Decimal::from(base) * Decimal::new(6 + i as i64, 1)
                + Decimal::new((h % 100) as i64, 2);
            let (status, disbursed) = if designated {
                (
                    FinancingStatus::Disbursed,
                    (committed * Decimal::new(75, 2)).round_dp(2),
                )
            } else {
                (FinancingStatus::Committed, Decimal::ZERO)
            };
            self.tx
                .insert_at(
                    when,
                    financing_source::ActiveModel {
                        pilot_id: Set(pilot.id),
                        key_project_id: Set(project.map(|p| ids[p].0)),
                        kind: Set(*kind),
                        provider: Set((*provider).into()),
                        committed_amount: Set(Dec(committed)),
                        disbursed_amount: Set(Dec(disbursed)),
                        reference_number: Set(Some(format!("{prefix}{:06}", h % 1_000_000))),
                        committed_on: Set(Some(date("2024-03-15"))),
                        disbursed_on: Set(designated.then(|| date("2024-09-30"))),
                        status: Set(status),
                        version: Set(if designated { 3 } else { 2 }),
                        created_at: Set(when),
                        updated_at: Set(when),
                        ..Default::default()
                    },
                )
                .await?;
        }
        // Money from the program's named funds, where it offers any.
        let funds = crate::programs::catalogues::funds(self.tx.conn(), pilot.program_id).await?;
        if let Some(fund) = funds.get((h % funds.len().max(1) as u64) as usize) {
            let committed = Decimal::from(2_000_000 + (h % 8) * 250_000);
            self.tx
                .insert_at(
                    when,
                    financing_source::ActiveModel {
                        pilot_id: Set(pilot.id),
                        key_project_id: Set(Some(ids[0].0)),
                        fund_id: Set(Some(fund.id)),
                        kind: Set(fund.kind),
                        provider: Set(fund.administrator.clone()),
                        committed_amount: Set(Dec(committed)),
                        disbursed_amount: Set(Dec(Decimal::ZERO)),
                        reference_number: Set(Some(format!("{}-{:06}", fund.code, h % 1_000_000))),
                        committed_on: Set(Some(date("2024-06-30"))),
                        disbursed_on: Set(None),
                        status: Set(FinancingStatus::Committed),
                        version: Set(2),
                        created_at: Set(when),
                        updated_at: Set(when),
                        ..Default::default()
                    },
                )
                .await?;
        }
        Ok(())
    }
}

fn comment_for(action: WorkflowAction, to: PilotStatus) -> String {
    use WorkflowAction::*;
    match action {
        Submit => "提交创建申请 (application submitted)",
        Withdraw => "申报单位撤回申请 (withdrawn by the applicant)",
        Endorse => "县级初审通过 (endorsed by the county)",
        Recommend => "市级推荐上报 (recommended by the municipality)",
        Return => "退回修改 (returned for revision)",
        Reject => "不符合申报条件 (does not meet the conditions)",
        RecordExpertReview => "专家评审通过 (passed expert review)",
        StartPublicNotice => "开始公示 (public notice started)",
        Designate => "公示期满无异议，确定为示范创建对象 (designated after notice)",
        RequestAcceptance => "申请验收并提交自评估报告 (acceptance requested with self-assessment)",
        ForwardAcceptance => "市级审核后报送省级 (forwarded by the municipality)",
        DecideAcceptance if to == PilotStatus::Titled => {
            "验收通过，授予称号 (accepted; title awarded)"
        }
        DecideAcceptance => "验收未通过，限期整改 (not accepted; rectify)",
        RecordObjection => "收到公示异议 (objection received)",
        ResolveObjection => "异议处理完毕 (objection resolved)",
        RecordAcceptanceReview => "完成数据审核和现场核查 (data review and site visit done)",
        ReReview if to == PilotStatus::Revoked => "复核撤销称号 (title revoked on re-review)",
        ReReview => "复核保持称号 (title kept on re-review)",
    }
    .into()
}
