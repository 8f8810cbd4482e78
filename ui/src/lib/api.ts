// The one door from the UI to the rest of Huka: typed wrappers over Tauri commands.
// Every command lives in a module of src-tauri/src/commands/ of the same name
// (session, account, school, household, member, teacher, demo, settings, backup, audit, import,
// pairing, visit, plan, coverage, aid, reconcile, dropout, signing, bundle, county, sync). The UI
// never touches files or the database except through these functions.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

// A command refused because nobody is logged in (the session locked itself meanwhile):
// the window goes back to the login screen.
let whenLocked: (() => void) | null = null;
export function onLocked(f: () => void) {
  whenLocked = f;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (isApiError(e) && e.code === 'locked') whenLocked?.();
    throw e;
  }
}

/** The idle watcher locked the session (`session-locked`). Returns the unlisten function. */
export function listenLocked(f: () => void): Promise<() => void> {
  return listen('session-locked', () => f());
}

export type Lang = 'zh' | 'en';

/** What a failed command rejects with. `fields` names form fields for inline messages. */
export interface ApiError {
  code: string;
  message: string; // Simplified Chinese
  messageEn: string;
  fields: FieldError[];
}
export interface FieldError {
  field: string; // camelCase name of the input field, e.g. "residentId", "householdNumber"
  code: string;
  message: string;
  messageEn: string;
}

export interface RecordMeta {
  id: string; // UUIDv7
  createdAt: string; // RFC 3339 UTC
  updatedAt: string;
  deviceId: string;
}

// ---- session & accounts ----
export type Role = 'principal' | 'aid_officer' | 'teacher' | 'reviewer';
export const SCHOOL_ROLES: Role[] = ['teacher', 'aid_officer', 'principal'];
/** The logged-in account. */
export interface Actor {
  id: string;
  login: string;
  name: string;
  role: Role;
  teacherId: string | null; // a teacher account's teacher record
}
export type Phase = 'first_start' | 'convert' | 'login' | 'unlocked' | 'unavailable';
export interface SessionStatus {
  phase: Phase;
  dbPath: string;
  version: string;
  reason: ApiError | null; // phase unavailable: why
  actor: Actor | null;
  mode: Mode | null;
  name: string | null; // the school's or the county's name, when unlocked
  language: Lang | null;
}
/** The first account (principal, or a county's reviewer), as the first-start form sends it. */
export interface NewAccount {
  name: string;
  login: string;
  password: string;
}
export type SetupInput = { mode: 'school'; school: SchoolInput } | { mode: 'county'; countyName: string };
export type Strength = 'tooShort' | 'weak' | 'fair' | 'strong';
export interface AccountInput {
  login: string;
  name: string;
  role: Role;
  teacherId: string | null; // a teacher account: null makes a new teacher record of the same name
}
/** What rotating the keys did: who keeps their password, who needs a new one, and a new
 * recovery code when one had to be made (shown once). */
export interface KeysRotated {
  accounts: string[];
  needPassword: string[];
  recoveryCode: string | null;
}

export interface Account extends RecordMeta {
  login: string;
  name: string;
  role: Role;
  teacherId: string | null;
  disabledAt: string | null;
}

// ---- school ----
export interface SchoolInput {
  code: string;
  name: string;
  town: string;
  district: string; // supervision district 督学责任区
}
export interface School extends SchoolInput, RecordMeta {
  /** Whom families call about aid (printed on the policy cards, 明白卡). */
  aidOfficer: string;
  aidPhone: string;
  countyHotline: string;
}
export interface ContactsInput {
  aidOfficer: string;
  aidPhone: string;
  countyHotline: string;
}

// ---- household ----
export type HouseholdStatus =
  | 'registered_poor' // 建档立卡贫困户
  | 'lifted_monitored' // 已脱贫（监测）
  | 'minimum_allowance' // 低保户
  | 'extreme_poverty' // 特困供养
  | 'edge_monitored' // 边缘易致贫户
  | 'none'; // 无
export const HOUSEHOLD_STATUSES: HouseholdStatus[] = [
  'registered_poor', 'lifted_monitored', 'minimum_allowance', 'extreme_poverty', 'edge_monitored', 'none',
];
export type PovertyCause =
  | 'illness' | 'disability' | 'schooling' | 'disaster' | 'lack_of_land' | 'lack_of_water'
  | 'lack_of_skills' | 'lack_of_labour' | 'lack_of_funds' | 'poor_transport' | 'lack_of_motivation';
export const POVERTY_CAUSES: PovertyCause[] = [
  'illness', 'disability', 'schooling', 'disaster', 'lack_of_land', 'lack_of_water',
  'lack_of_skills', 'lack_of_labour', 'lack_of_funds', 'poor_transport', 'lack_of_motivation',
];
export interface HouseholdInput {
  householdNumber: string; // poverty-list household number 户编号
  headName: string;
  town: string;
  village: string;
  group: string; // 组
  phone: string;
  status: HouseholdStatus;
  povertyCauses: PovertyCause[];
  notes: string;
  /** 家庭人口 as registered (may exceed the members listed); null: not given. */
  familySize: number | null;
}
export interface Household extends HouseholdInput, RecordMeta {}
export interface HouseholdSummary {
  id: string;
  householdNumber: string;
  headName: string;
  town: string;
  village: string;
  group: string;
  phone: string;
  status: HouseholdStatus;
  memberCount: number;
  studentCount: number;
}

// ---- member & student ----
export type Gender = 'male' | 'female';
export type Stage = 'preschool' | 'primary' | 'junior' | 'senior' | 'vocational' | 'higher';
export const STAGES: Stage[] = ['preschool', 'primary', 'junior', 'senior', 'vocational', 'higher'];
export type EnrolmentStatus = 'enrolled' | 'suspended' | 'dropped_out' | 'transferred' | 'graduated';
export const ENROLMENT_STATUSES: EnrolmentStatus[] = ['enrolled', 'suspended', 'dropped_out', 'transferred', 'graduated'];

export interface StudentInput {
  nationalStudentNumber: string; // 全国学籍号, may be empty
  stage: Stage;
  grade: number | null; // 1..12 within the stage
  className: string; // e.g. "2班"
  enrolmentStatus: EnrolmentStatus;
  boarding: boolean;
  leftBehind: boolean;
  disabled: boolean;
  orphan: boolean;
  singleParent: boolean;
}
export interface Student extends StudentInput, RecordMeta {
  memberId: string;
}
export interface MemberInput {
  name: string;
  relation: string; // relation to head: 户主, 配偶, 之子, 之女, 之父, 之母, 之孙子, 之孙女, 其他
  residentId: string; // as typed; normalized and validated by the core; may be empty
  gender: Gender | null; // null = take it from the resident ID number
  birthDate: string | null; // YYYY-MM-DD; null = take it from the resident ID number
  health: string; // health / disability notes
  migrantWork: boolean; // 外出务工
  student: StudentInput | null; // non-null = this member is in school
}
export interface Member extends RecordMeta {
  householdId: string;
  name: string;
  relation: string;
  residentId: string; // normalized, "" when none
  gender: Gender | null;
  /** null in a masked view (a card outside the reader's care), which shows birthYear only. */
  birthDate: string | null;
  birthYear: number | null;
  /** The note for the principal and the aid officer; "" for a teacher, who sees hasHealthNote. */
  health: string;
  /** Whether a health or disability note is recorded (有健康/残疾情况记录). */
  hasHealthNote: boolean;
  migrantWork: boolean;
  /** Fields where what was typed disagrees with the resident ID number: "gender", "birthDate". */
  idMismatch: string[];
  student: Student | null;
}

// ---- teacher ----
export type TeacherRole = 'class_teacher' | 'subject_teacher' | 'principal' | 'aid_officer' | 'other';
export const TEACHER_ROLES: TeacherRole[] = ['class_teacher', 'subject_teacher', 'principal', 'aid_officer', 'other'];
export interface TeacherInput {
  name: string;
  phone: string;
  subject: string;
  role: TeacherRole;
}
export interface Teacher extends TeacherInput, RecordMeta {
  householdCount: number;
}

export interface HouseholdCard {
  household: Household;
  members: Member[]; // head first, then by birth date
  teachers: Teacher[]; // teachers responsible for this household
  pairings: Pairing[]; // current helper teachers of the household's students
  visits: Visit[]; // newest first
  plans: Plan[]; // newest term first
  grants: Grant[]; // newest term first, with their steps
  dropoutCases: CaseSummary[]; // of the household's students, open ones first
  /** The reader may not see this household in full: ID numbers masked, no health or disability. */
  restricted: boolean;
  lastChange: { by: string; at: string } | null;
  mayEdit: boolean; // the card, its members, visits, plans, dropout work
  mayDelete: boolean;
}

// ---- teacher's daily work: pairings, visits, plans, coverage ----
/** A school term: "2026-autumn" (1 Sep – 31 Jan) or "2027-spring" (1 Feb – 31 Aug). */
export type Term = string;
export interface Pairing extends RecordMeta {
  teacherId: string;
  memberId: string;
  startDate: string;
  endDate: string | null;
}
export interface ClassRef {
  stage: Stage;
  grade: number | null;
  className: string;
}
export interface ClassSize extends ClassRef {
  students: number;
}
export type VisitMode = 'in_home' | 'phone' | 'video' | 'at_school';
export const VISIT_MODES: VisitMode[] = ['in_home', 'phone', 'video', 'at_school'];
export interface FollowUpInput {
  id?: string | null;
  action: string;
  ownerId: string | null;
  dueDate: string;
  doneDate: string | null;
}
export interface FollowUp extends RecordMeta {
  visitId: string;
  action: string;
  ownerId: string | null;
  dueDate: string;
  doneDate: string | null;
}
export interface VisitInput {
  householdId: string;
  visitDate: string;
  teacherIds: string[];
  studentIds: string[]; // member ids
  mode: VisitMode;
  topics: string[];
  findings: string;
  requests: string;
  followUps: FollowUpInput[];
  parentName: string;
  parentAckDate: string | null;
}
export interface Visit extends RecordMeta {
  householdId: string;
  visitDate: string;
  teacherIds: string[];
  studentIds: string[];
  mode: VisitMode;
  topics: string[];
  findings: string;
  requests: string;
  parentName: string;
  parentAckDate: string | null;
  hasPhoto: boolean;
  followUps: FollowUp[];
}
export type PlanStatus = 'draft' | 'active' | 'reviewed' | 'closed';
export interface Track {
  needs: string;
  measures: string;
}
export const TRACKS = ['tutoring', 'care', 'activities', 'aid', 'psychological'] as const;
export type TrackName = (typeof TRACKS)[number];
export interface PlanInput {
  memberId: string;
  term: Term;
  tutoring: Track;
  care: Track;
  activities: Track;
  aid: Track;
  psychological: Track;
  goals: string;
  responsibleTeacherId: string | null;
  nextReviewDate: string | null;
}
export interface Review extends RecordMeta {
  reviewDate: string;
  progress: string;
  nextSteps: string;
}
export interface Plan extends RecordMeta {
  memberId: string;
  term: Term;
  status: PlanStatus;
  tutoring: Track;
  care: Track;
  activities: Track;
  aid: Track;
  psychological: Track;
  goals: string;
  responsibleTeacherId: string | null;
  nextReviewDate: string | null;
  reviews: Review[];
}
export interface ReviewInput {
  reviewDate: string;
  progress: string;
  nextSteps: string;
  nextReviewDate: string | null;
}
export interface StudentItem {
  memberId: string;
  name: string;
  householdId: string;
  headName: string;
  village: string;
  grade: number | null;
  className: string;
}
export interface ReviewItem {
  planId: string;
  memberId: string;
  name: string;
  householdId: string;
  nextReviewDate: string;
}
export interface FollowUpItem {
  id: string;
  visitId: string;
  householdId: string;
  headName: string;
  action: string;
  owner: string | null;
  dueDate: string;
}
/** A dashboard list: the full count and the first items (at most 500 in the window). */
export interface Listing<T> {
  count: number;
  items: T[];
}
export interface Coverage {
  term: Term;
  today: string;
  students: number;
  noPairing: Listing<StudentItem>;
  noActivePlan: Listing<StudentItem>;
  noVisit: Listing<StudentItem>;
  reviewsOverdue: Listing<ReviewItem>;
  followUpsOverdue: Listing<FollowUpItem>;
  /** Per class, in the lists' order (the chart). */
  classes: ClassCoverage[];
}
export interface ClassCoverage {
  grade: number | null;
  className: string;
  students: number;
  paired: number;
  withPlan: number;
  visited: number;
}
/** One PDF the archive wrote (a household's card, or the volume with empty number and head). */
export interface ArchiveFile {
  path: string;
  bytes: number;
  householdNumber: string;
  headName: string;
}
export interface ArchiveWritten {
  folder: string;
  term: Term;
  fullIds: boolean;
  cards: ArchiveFile[];
  volume: ArchiveFile | null;
}
/** Whose policy cards (明白卡) to print. */
export type CardScope =
  | { kind: 'all' }
  | { kind: 'household'; id: string }
  | { kind: 'class'; grade: number; className: string }
  | { kind: 'teacher'; name: string }
  | { kind: 'mine' };
export type Paper = 'a5' | 'a4';
/** The one PDF of policy cards written. */
export interface CardsWritten {
  path: string;
  bytes: number;
  cards: number;
  pages: number;
  /** Households of the choice not in the teacher's care, so not printed. */
  leftOut: number;
}
/** The county's notice (县级公示) written: a workbook and a PDF. */
export interface CountyNoticeWritten {
  workbook: string;
  pdf: string;
  count: number;
  schools: number;
  totalFen: number;
  pages: number;
}
/** `archive-progress`: files written of the total (the cards and the volume). */
export interface ArchiveProgress {
  done: number;
  total: number;
}
export interface MyStudent extends StudentItem {
  lastVisit: string | null;
  visitedThisTerm: boolean;
  planId: string | null;
  planStatus: PlanStatus | null;
  overdueFollowUps: number;
}

/** Today in the window's own calendar, YYYY-MM-DD. */
export function today(): string {
  return daysFromToday(0);
}

/** The computer's local date `days` from today, as YYYY-MM-DD (a default due or end date). */
export function daysFromToday(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The term a date falls in (the same rule as the core's `Term::of`). */
export function termOf(date: string): Term {
  const [y, m] = date.split('-').map(Number);
  if (m >= 9) return `${y}-autumn`;
  if (m === 1) return `${y - 1}-autumn`;
  return `${y}-spring`;
}

export function previousTerm(term: Term): Term {
  const [y, season] = term.split('-');
  return season === 'autumn' ? `${y}-spring` : `${Number(y) - 1}-autumn`;
}

/** The current term and the two before it: what the term pickers offer. */
export function recentTerms(): Term[] {
  const now = termOf(today());
  return [now, previousTerm(now), previousTerm(previousTerm(now))];
}

/** Live check of a resident ID number while typing. */
export interface ResidentIdCheck {
  normalized: string;
  valid: boolean;
  birthDate: string | null;
  gender: Gender | null;
  problem: FieldError | null; // why it is invalid (field = "residentId")
}

export interface Stats {
  schools: number;
  households: number;
  members: number;
  students: number;
  teachers: number;
  pairings: number;
  visits: number;
  followUps: number;
  plans: number;
  planReviews: number;
  registrations: number;
  aidProgrammes: number;
  grants: number;
  reconcileDecisions: number;
  dropoutCases: number;
  dropoutActions: number;
  weeklyReports: number;
  signingKeys: number;
  countySchools: number;
  countyKeys: number;
  countyBundles: number;
}

export interface AppInfo {
  version: string;
  dbPath: string;
  deviceId: string;
  actor: Actor; // who is logged in
  school: School | null; // a school installation's school (set up at first start)
  countyName: string; // a county installation's county
  language: Lang;
  mode: Mode;
  stats: Stats;
}

// ---- import ----
export type ImportKind = 'roster' | 'households';
export type ImportField =
  | 'serial' | 'name' | 'resident_id' | 'national_student_number' | 'gender' | 'birth_date' | 'grade' | 'class_name'
  | 'ethnicity' | 'boarding' | 'left_behind' | 'registered_poor' | 'address' | 'guardian_name' | 'phone'
  | 'household_number' | 'head_name' | 'relation' | 'town' | 'village' | 'group' | 'poverty_attribute'
  | 'lift_status' | 'poverty_cause' | 'head_resident_id' | 'family_size';
export type Outcome = 'new' | 'update' | 'unchanged' | 'rejected';
/** Column corrections by header text: a field, or null to ignore the column. */
export type Overrides = Record<string, ImportField | null>;
export interface ImportColumn {
  index: number;
  letter: string; // A, B, … as Excel shows
  header: string;
  field: ImportField | null;
  remembered: boolean;
}
export interface ImportMapping {
  headerRow: number;
  columns: ImportColumn[];
}
/** What the user chose over what Huka found: column corrections, and the sheets to import (null: every visible sheet with a header). */
export interface ImportChoices {
  overrides: Overrides;
  sheets: string[] | null;
}
export interface RowError {
  sheet: string; // '' in a CSV file
  row: number; // as Excel shows it
  reference: string; // 二年级!17 (17 in a CSV file)
  column: string; // the column's header
  code: string;
  message: string;
  messageEn: string;
}
export interface SkippedRow {
  sheet: string;
  row: number;
  reference: string;
  code: string;
  message: string;
  messageEn: string;
}
/** One sentence about a whole column (digits lost to a number format, blanks filled from above). */
export interface ColumnProblem {
  column: string;
  sheets: string[];
  code: string;
  rows: number;
  of: number;
  message: string;
  messageEn: string;
}
export type SheetStatus = 'imported' | 'missing_columns' | 'excluded' | 'hidden' | 'no_header' | 'empty' | 'not_a_worksheet';
export interface SheetSummary {
  name: string; // '' for a CSV file
  status: SheetStatus;
  hidden: boolean;
  headerRow: number | null;
  rows: number;
  message: string;
  messageEn: string;
  /** A household list: what its rows are grouped by (a 花名册 has no 户编号: the head's ID number). */
  householdKey?: 'household_number' | 'head_resident_id';
}
export interface SheetPreview extends SheetSummary {
  mapping: ImportMapping | null;
  missing: ImportField[];
}
export interface ImportReport {
  rows: number;
  imported: number;
  updated: number;
  unchanged: number;
  rejected: number;
  sheets: SheetSummary[];
  columns: ColumnProblem[];
  errors: RowError[];
  skipped: SkippedRow[];
  notOnPovertyList?: number;
}
export interface ImportPreview {
  kind: ImportKind;
  /** Every sheet of the file, in tab order. */
  sheets: SheetPreview[];
  fields: ImportField[];
  report: ImportReport;
  outcomes: Record<string, Outcome>;
  fingerprint: string;
  /** Fields a chosen sheet has no column for yet; while any is missing there is no plan. */
  missing: ImportField[];
}
export interface ImportProgress {
  done: number;
  total: number;
}
/** `sync-progress`: how many bytes of a change file's compressed records have been read. */
export interface SyncProgress {
  done: number;
  total: number;
}
export interface UnlinkedRegistration {
  id: string;
  name: string;
  nationalStudentNumber: string;
  residentIdMasked: string;
  grade: number | null;
  className: string;
  registeredPoor: boolean | null;
}

// ---- aid (资助) and the three lists (三表比对) ----
export type AidKind = 'award' | 'loan' | 'grant' | 'subsidy' | 'waiver';
export type Eligibility = 'registered_poor' | 'registered_poor_boarding' | 'all_students' | 'on_application';
export type GrantStatus = 'applied' | 'school_reviewed' | 'notice' | 'county_reviewed' | 'paid' | 'reversed';
export type SignRole = 'parent' | 'class_teacher' | 'principal' | 'aid_centre' | 'deputy_director';
export const GRANT_PATH: GrantStatus[] = ['applied', 'school_reviewed', 'notice', 'county_reviewed', 'paid'];
/** The one step that may follow `status` (none after paid or reversed), as the core's `GrantStatus::next`. */
export function nextStatus(status: GrantStatus): GrantStatus | null {
  const i = GRANT_PATH.indexOf(status);
  return i >= 0 && i < GRANT_PATH.length - 1 ? GRANT_PATH[i + 1] : null;
}
/** Who signs the step into each status (as the core requires). */
export const SIGNERS: Record<GrantStatus, SignRole[]> = {
  applied: ['parent', 'class_teacher'],
  school_reviewed: ['principal'],
  notice: [],
  county_reviewed: ['aid_centre', 'deputy_director'],
  paid: [],
  reversed: [],
};
export const AID_KINDS: AidKind[] = ['award', 'loan', 'grant', 'subsidy', 'waiver'];
export const ELIGIBILITIES: Eligibility[] = ['registered_poor', 'registered_poor_boarding', 'all_students', 'on_application'];

export interface Programme extends RecordMeta {
  code: string;
  name: string;
  kind: AidKind;
  amountFen: number; // per term; 0: set per grant
  stages: Stage[];
  eligibility: Eligibility;
  active: boolean;
  /** What a family brings or does (the policy card), and by when: days after the term starts (0: no date). */
  familyTodo: string;
  applyWithinDays: number;
}
export interface ProgrammeInput {
  code: string;
  name: string;
  kind: AidKind;
  amount: string; // yuan as typed
  stages: Stage[];
  eligibility: Eligibility;
  active: boolean;
  familyTodo: string;
  applyWithinDays: number;
}
export interface Signoff {
  role: SignRole;
  name: string;
}
export interface GrantStep extends RecordMeta {
  step: GrantStatus;
  stepDate: string;
  signoffs: Signoff[];
  note: string;
}
export interface Grant extends RecordMeta {
  memberId: string;
  studentName: string;
  householdId: string;
  className: string;
  grade: number | null;
  programmeId: string;
  programmeName: string;
  kind: AidKind;
  term: Term;
  amountFen: number;
  status: GrantStatus;
  noticeStart: string | null;
  noticeEnd: string | null;
  objections: string;
  paidDate: string | null;
  reversedReason: string;
  steps: GrantStep[]; // oldest first (empty in lists)
}
export interface GrantInput {
  memberId: string;
  programmeId: string;
  term: Term;
  amount: string; // yuan as typed; empty: the programme's amount
  appliedDate: string;
  parentName: string;
  classTeacherName: string;
}
export interface StepInput {
  date: string;
  signoffs: Signoff[];
  noticeEnd?: string | null;
  note?: string;
}
export interface GrantFilter {
  term: Term | null;
  programmeId?: string | null;
  status?: GrantStatus | null;
}
export interface ProgrammeCoverage {
  programmeId: string;
  code: string;
  name: string;
  kind: AidKind;
  eligibility: Eligibility;
  due: number;
  covered: number;
  missed: number;
  grants: number;
  paid: number;
  amountFen: number;
  paidFen: number;
}
export interface MissedItem {
  memberId: string;
  name: string;
  householdId: string;
  grade: number | null;
  className: string;
  programmeId: string;
  programmeName: string;
  amountFen: number;
}
export interface AidCoverage {
  term: Term;
  programmes: ProgrammeCoverage[];
  due: number;
  covered: number;
  ratePermille: number | null;
  amountFen: number;
  paidFen: number;
  missed: Listing<MissedItem>;
}
export interface NoticeRow {
  name: string;
  className: string;
  grade: number | null;
  programme: string;
  amountFen: number;
}
export interface AidNotice {
  schoolName: string;
  term: Term;
  programme: string | null;
  start: string | null;
  end: string | null;
  rows: NoticeRow[];
  totalFen: number;
}
export interface LastSigners {
  principal: string | null;
  classTeacher: string | null;
  aidCentre: string | null;
  deputyDirector: string | null;
}

export type MismatchKind = 'unregistered' | 'phantom' | 'duplicate' | 'no_aid';
export const MISMATCH_KINDS: MismatchKind[] = ['unregistered', 'phantom', 'duplicate', 'no_aid'];
export type Reason =
  | { code: 'studentNotOnRoster' }
  | { code: 'schoolAgeNotOnRoster'; age: number }
  | { code: 'noResidentId' }
  | { code: 'poorButNoCard' }
  | { code: 'cardSaysLeft'; status: EnrolmentStatus }
  | { code: 'tooOldForStage'; age: number; stage: Stage }
  | { code: 'sameStudentNumber'; other: string }
  | { code: 'sameNameAndBirth'; other: string }
  | { code: 'noGrantThisTerm' };
export interface Mismatch {
  kind: MismatchKind;
  subjectId: string;
  name: string;
  householdId: string | null;
  className: string;
  residentIdMasked: string;
  reason: Reason;
  decision: { decision: 'resolved' | 'dismissed'; note: string; at: string } | null;
}
export interface KindCount {
  open: number;
  decided: number;
}
export interface Reconciliation {
  term: Term;
  today: string;
  rosterRows: number;
  unregistered: KindCount;
  phantom: KindCount;
  duplicate: KindCount;
  noAid: KindCount;
  mismatches: Mismatch[];
}

/** Fen as yuan with two decimals (integer arithmetic: no float rounding). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

// ---- the signed summary for the county (school side) and the county's side ----
export type Mode = 'school' | 'county';
export interface KeyInfo extends RecordMeta {
  keyId: string;
  fingerprint: string; // groups of four hex digits
  publicKey: string;
  current: boolean;
  retiredAt: string | null;
}
export interface CoverSheet {
  school: School;
  key: KeyInfo;
  publicKeyFile: string;
  retired: KeyInfo[];
}
export interface SchoolRef {
  code: string;
  name: string;
  town: string;
  district: string;
}
export interface Figures {
  students: {
    enrolled: number;
    enrolledByStage: Record<string, number>;
    registeredPoor: number;
    registeredPoorByStage: Record<string, number>;
    households: number;
    boarding: number;
    leftBehind: number;
    disabled: number;
  };
  coverage: { students: number; paired: number; withPlan: number; visited: number; visits: number; reviewsOverdue: number; followUpsOverdue: number };
  aid: { programmes: { code: string; name: string; kind: string; studentsDue: number; granted: number; missed: number; amountFen: number }[] };
  dropout: {
    openCases: number;
    returned: number;
    weeklyReports: { week: string; reports: number; confirmed: number; enrolment: number; newDropouts: number; returns: number; openCases: number }[];
  };
}
export interface Summary extends Figures {
  school: SchoolRef;
  term: Term;
  asOf: string;
}
/** The county bureau's encryption key (age X25519) that bundles are sealed to. */
export interface CountyRecipient {
  recipient: string; // age1…
  fingerprint: string; // five groups of four hex digits, to compare with the bureau's sheet
  county: string; // the county's name, as its file says
}
export interface BundlePreview {
  fileName: string; // <code>-<term>-<yyyymmdd>.huka.age
  school: SchoolRef;
  term: Term;
  keyId: string | null; // the signing key; null: none yet
  county: CountyRecipient | null; // sealed to; null: none registered, and export is refused
  summary: Summary;
  files: { path: string; title: string; titleEn: string; rows: number | null; fullIds: boolean }[];
}
/** A bundle as read back from the stick: its signature over the sealed file holds. */
export interface Signed {
  fileName: string;
  fileSha256: string;
  size: number;
  keyId: string;
  trustedComment: string;
  sealed: boolean; // sealed to the county (format 2)
}
export interface ExportDone {
  exported: {
    bundlePath: string;
    signaturePath: string;
    fileName: string;
    sha256: string;
    size: number;
    keyId: string;
    createdAt: string;
    trustedComment: string;
    sealedTo: CountyRecipient;
  };
  verified: Signed;
}
export interface CountySchool extends RecordMeta {
  code: string;
  name: string;
  town: string;
  district: string;
  keys: { keyId: string; fingerprint: string }[];
}
export interface Registered {
  school: CountySchool;
  keyId: string;
  fingerprint: string;
  newSchool: boolean;
  newKey: boolean;
}
export type Verdict =
  | {
      file: string;
      status: 'accepted';
      school: string;
      term: string;
      exportedAt: string;
      replaced: string | null;
      encrypted: boolean; // false: a format 1 bundle, 未加密
      historyRewritten: boolean; // the school's audit chain does not extend its earlier bundle's
    }
  | { file: string; status: 'unchanged'; school: string; term: string; exportedAt: string }
  | { file: string; status: 'rejected'; reason: ApiError }
  // The same bytes as another file (a copy named … (1), … - 副本): counted once, in that one's verdict.
  | { file: string; status: 'copy'; of: string };
export interface IngestReport {
  verdicts: Verdict[];
  accepted: number;
  unchanged: number;
  rejected: number;
  copies: number;
}
export interface CountyUnit {
  name: string;
  schools: number;
  figures: Figures;
}
export interface CountyAggregate {
  term: Term;
  schoolsRegistered: number;
  schoolsReporting: number;
  missing: SchoolRef[];
  totals: Figures;
  byTown: CountyUnit[];
  byDistrict: CountyUnit[];
  bySchool: { school: SchoolRef; exportedAt: string; fileName: string; keyId: string; figures: Figures }[];
  duplicates: { maskedId: string; entries: { schoolCode: string; schoolName: string; name: string; stage: string; grade: number | null; className: string }[] }[];
}

// ---- backups (备份) and restore (恢复) ----
/** A backup opened with a login and password: what it holds. */
export interface BackupInfo {
  format: string;
  databaseId: string;
  createdAt: string; // RFC 3339 UTC
  schemaVersion: number;
  software: string;
  schoolCode: string | null; // null in a county's backup
  schoolName: string | null;
  counts: Stats;
}
export interface Restored {
  backup: BackupInfo;
  keptPrevious: string | null; // the database that was there, kept as a dated copy
}

// ---- the audit trail (修改记录) ----
export interface AuditEntry {
  deviceId: string;
  seq: number;
  at: string; // RFC 3339 UTC
  accountId: string;
  account: string; // the account's name when it wrote
  op: string; // insert, update, delete, or an event
  kind: string; // the table: household, member, student, pairing, visit, plan, aid_grant, dropout_case
  recordId: string;
  changes: Record<string, [unknown, unknown]>; // database column → [old, new]
  prev: string;
  hash: string;
}

// ---- commands ----
export const api = {
  sessionStatus: () => call<SessionStatus>('session_status'),
  /** First start: the new database and its first account; returns the recovery code, shown once. */
  sessionCreate: (setup: SetupInput, account: NewAccount) => call<{ recoveryCode: string }>('session_create', { setup, account }),
  sessionLogin: (login: string, password: string) => call<SessionStatus>('session_login', { login, password }),
  sessionLock: () => call<void>('session_lock'),
  sessionTouch: () => call<void>('session_touch'),
  sessionRecover: (code: string, login: string, password: string) => call<SessionStatus>('session_recover', { code, login, password }),
  sessionConvert: (account: NewAccount) => call<{ recoveryCode: string; counts: Stats }>('session_convert', { account }),

  accountList: () => call<Account[]>('account_list'),
  accountAdd: (input: AccountInput, password: string) => call<Account>('account_add', { input, password }),
  accountDisable: (login: string) => call<Account>('account_disable', { login }),
  accountSetPassword: (login: string, password: string) => call<void>('account_set_password', { login, password }),
  accountRotateKeys: () => call<KeysRotated>('account_rotate_keys'),
  passwordStrength: (password: string) => call<Strength>('password_strength', { password }),

  appInfo: () => call<AppInfo>('app_info'),
  setLanguage: (language: Lang) => call<void>('settings_set_language', { language }),
  idleMinutes: () => call<number>('settings_idle_minutes'),
  setIdleMinutes: (minutes: number) => call<number>('settings_set_idle_minutes', { minutes }),

  schoolUpdate: (input: SchoolInput) => call<School>('school_update', { input }),

  demoLoad: (students?: number, seed?: number) => call<Stats>('demo_load', { students, seed }),

  householdList: (search: string) => call<HouseholdSummary[]>('household_list', { search }),
  householdCard: (id: string) => call<HouseholdCard>('household_card', { id }),
  householdCreate: (input: HouseholdInput) => call<Household>('household_create', { input }),
  householdUpdate: (id: string, input: HouseholdInput) => call<Household>('household_update', { id, input }),
  householdDelete: (id: string) => call<void>('household_delete', { id }),
  householdSetTeachers: (id: string, teacherIds: string[]) =>
    call<Teacher[]>('household_set_teachers', { id, teacherIds }),

  memberCreate: (householdId: string, input: MemberInput) => call<Member>('member_create', { householdId, input }),
  memberUpdate: (id: string, input: MemberInput) => call<Member>('member_update', { id, input }),
  memberDelete: (id: string) => call<void>('member_delete', { id }),
  residentIdCheck: (raw: string) => call<ResidentIdCheck>('resident_id_check', { raw }),

  teacherList: () => call<Teacher[]>('teacher_list'),
  teacherCreate: (input: TeacherInput) => call<Teacher>('teacher_create', { input }),
  teacherUpdate: (id: string, input: TeacherInput) => call<Teacher>('teacher_update', { id, input }),
  teacherDelete: (id: string) => call<void>('teacher_delete', { id }),
  /** The classes a teacher heads (班主任). */
  teacherClasses: (id: string) => call<ClassRef[]>('teacher_classes', { id }),
  teacherSetClasses: (id: string, classes: ClassRef[]) => call<ClassRef[]>('teacher_set_classes', { id, classes }),

  /** Plans an import of a file the user chose in the open dialog; writes nothing. */
  importPreview: (path: string, kind: ImportKind, choices: ImportChoices) =>
    call<ImportPreview>('import_preview', { path, kind, choices }),
  /** Imports the previewed plan; refused if the plan changed. Emits `import-progress`. */
  importApply: (path: string, kind: ImportKind, choices: ImportChoices, fingerprint: string) =>
    call<ImportReport>('import_apply', { path, kind, choices, fingerprint }),
  importSaveRejects: (path: string, kind: ImportKind, choices: ImportChoices, out: string) =>
    call<number>('import_save_rejects', { path, kind, choices, out }),
  registrationUnlinked: () => call<UnlinkedRegistration[]>('registration_unlinked'),

  pairingAssign: (teacherId: string, memberId: string, startDate: string) =>
    call<Pairing>('pairing_assign', { teacherId, memberId, startDate }),
  pairingEnd: (memberId: string, endDate: string) => call<void>('pairing_end', { memberId, endDate }),
  pairingClasses: () => call<ClassSize[]>('pairing_classes'),
  pairingAssignClass: (teacherId: string, cls: ClassRef, startDate: string) =>
    call<number>('pairing_assign_class', { teacherId, class: cls, startDate }),

  visitCreate: (input: VisitInput) => call<Visit>('visit_create', { input }),
  visitUpdate: (id: string, input: VisitInput) => call<Visit>('visit_update', { id, input }),
  visitDelete: (id: string) => call<void>('visit_delete', { id }),
  visitTopics: () => call<string[]>('visit_topics'),
  visitSetTopics: (topics: string[]) => call<string[]>('visit_set_topics', { topics }),
  visitLastTopics: (teacherId: string) => call<string[]>('visit_last_topics', { teacherId }),
  /** Stores the photo of the signed form; `path` comes from the open dialog. */
  visitSetPhoto: (id: string, path: string) => call<void>('visit_set_photo', { id, path }),
  visitPhoto: (id: string) => call<string | null>('visit_photo', { id }),
  followUpDone: (id: string, done: string | null) => call<void>('follow_up_done', { id, done }),

  planGet: (memberId: string, term: Term) => call<Plan | null>('plan_get', { memberId, term }),
  planCreate: (input: PlanInput) => call<Plan>('plan_create', { input }),
  planUpdate: (id: string, input: PlanInput) => call<Plan>('plan_update', { id, input }),
  planSetStatus: (id: string, status: PlanStatus) => call<Plan>('plan_set_status', { id, status, today: today() }),
  planAddReview: (id: string, review: ReviewInput) => call<Plan>('plan_add_review', { id, review }),
  planCopyPrevious: (memberId: string, term: Term) => call<Plan>('plan_copy_previous', { memberId, term }),

  coverage: (term: Term) => call<Coverage>('coverage_get', { term, today: today() }),
  myStudents: (teacherId: string, term: Term) => call<MyStudent[]>('my_students', { teacherId, term, today: today() }),

  aidProgrammes: () => call<Programme[]>('aid_programmes'),
  aidProgrammeCreate: (input: ProgrammeInput) => call<Programme>('aid_programme_create', { input }),
  aidProgrammeUpdate: (id: string, input: ProgrammeInput) => call<Programme>('aid_programme_update', { id, input }),
  aidCoverage: (term: Term) => call<AidCoverage>('aid_coverage', { term }),
  aidGrants: (filter: GrantFilter) => call<Grant[]>('aid_grants', { filter }),
  aidGrant: (id: string) => call<Grant>('aid_grant', { id }),
  aidApply: (input: GrantInput) => call<Grant>('aid_apply', { input, today: today() }),
  aidAdvance: (id: string, to: GrantStatus, step: StepInput) => call<Grant>('aid_advance', { id, to, step, today: today() }),
  aidStartNotice: (programmeId: string, term: Term, step: StepInput) =>
    call<number>('aid_start_notice', { programmeId, term, step, today: today() }),
  aidRecordObjections: (id: string, text: string) => call<Grant>('aid_record_objections', { id, text }),
  aidSetAmount: (id: string, amount: string) => call<Grant>('aid_set_amount', { id, amount }),
  aidReverse: (id: string, date: string, reason: string) => call<Grant>('aid_reverse', { id, date, reason, today: today() }),
  aidWithdraw: (id: string) => call<void>('aid_withdraw', { id }),
  aidNotice: (term: Term, programmeId: string | null) => call<AidNotice>('aid_notice', { term, programmeId }),
  aidLastSigners: () => call<LastSigners>('aid_last_signers'),

  reconcile: (term: Term) => call<Reconciliation>('reconcile_get', { term, today: today() }),
  reconcileDecide: (kind: MismatchKind, subjectId: string, decision: 'resolved' | 'dismissed', note: string) =>
    call<void>('reconcile_decide', { kind, subjectId, decision, note }),
  reconcileReopen: (kind: MismatchKind, subjectId: string) => call<void>('reconcile_reopen', { kind, subjectId }),

  keyList: () => call<KeyInfo[]>('key_list'),
  keyCreate: (passphrase: string) => call<KeyInfo>('key_create', { passphrase }),
  keyRotate: (passphrase: string) => call<KeyInfo>('key_rotate', { passphrase }),
  keyCoverSheet: () => call<CoverSheet>('key_cover_sheet'),
  /** Writes the `.pub` file to a path the save dialog gave. */
  keyExport: (path: string) => call<KeyInfo>('key_export', { path }),
  /** The county's encryption key the school registered, if any. */
  keyCountyRecipient: () => call<CountyRecipient | null>('key_county_recipient'),
  /** Registers (or replaces) the county's key from a file the open dialog gave. */
  keyRegisterCounty: (path: string) => call<CountyRecipient>('key_register_county', { path }),
  bundlePreview: (term: Term) => call<BundlePreview>('bundle_preview', { term, today: today() }),
  /** Writes the sealed, signed bundle beside `path` (from the save dialog), reads it back and verifies it. */
  bundleExport: (term: Term, passphrase: string, path: string) =>
    call<ExportDone>('bundle_export', { term, today: today(), passphrase, path }),

  /** Registers the public key in a `.pub` file the open dialog gave. */
  countyRegister: (path: string) => call<Registered>('county_register', { path, input: { publicKey: '', code: '', name: '', town: '', district: '' } }),
  countySchools: () => call<CountySchool[]>('county_schools'),
  /** Verifies and ingests bundles: files or folders from the open dialog. */
  countyIngest: (paths: string[]) => call<IngestReport>('county_ingest', { paths }),
  countyTerms: () => call<Term[]>('county_terms'),
  countyAggregate: (term: Term) => call<CountyAggregate>('county_aggregate', { term }),
  countyReport: (term: Term, path: string) => call<void>('county_report', { term, path }),
  /** The county's notice (县级公示) of a term into a folder chosen in the folder dialog. */
  countyNotice: (term: Term, folder: string) => call<CountyNoticeWritten>('county_notice', { term, folder, today: today() }),
  /** The county's encryption key (public recipient and fingerprint), once made. */
  countyKey: () => call<CountyRecipient | null>('county_key'),
  countyKeyCreate: () => call<CountyRecipient>('county_key_create'),
  /** Writes the recipient file for the schools to a path the save dialog gave. */
  countyKeyExport: (path: string) => call<CountyRecipient>('county_key_export', { path }),
  /** Writes the SECRET identity (for the standard `age` tool) to a path the save dialog gave. */
  countyKeyExportIdentity: (path: string) => call<CountyRecipient>('county_key_export_identity', { path }),

  /** The name the save dialog proposes for a backup. */
  backupFileName: () => call<string>('backup_file_name'),
  /** Writes an encrypted backup to a path the save dialog gave (.hukabackup added if missing). */
  backupWrite: (path: string) => call<BackupInfo & { path: string }>('backup_write', { path }),
  /** Today's automatic backup in the data folder, if there is none yet; the new file's path. */
  backupAuto: () => call<string | null>('backup_auto', { today: today() }),
  /** What a backup (from the open dialog) holds, opened with a login and password. */
  backupInspect: (path: string, login: string, password: string) => call<BackupInfo>('backup_inspect', { path, login, password }),
  /** Restores it over this database (kept as a dated copy); the window is then locked. */
  backupRestore: (path: string, login: string, password: string, force: boolean) =>
    call<Restored>('backup_restore', { path, login, password, force }),

  /** A household card's history, newest first. */
  auditHousehold: (id: string) => call<AuditEntry[]>('audit_household', { id }),
  // sync (同步)
  syncExport: (dir: string, full: boolean) => call<string>('sync_export', { dir, full }),
  /** Reads a change file. Emits `sync-progress`. */
  syncImport: (path: string) => call<SyncReport>('sync_import', { path }),
  syncDevices: () => call<SyncDevice[]>('sync_devices'),
  /** What the last change file read held that its authors' roles did not allow. */
  syncRefused: () => call<SyncRefused[]>('sync_refused'),
  syncConflicts: (all: boolean) => call<SyncConflict[]>('sync_conflicts', { all }),
  syncResolve: (id: string, swap: boolean) => call<void>('sync_resolve', { id, swap }),
  /** Joins the school from a complete change file. Emits `sync-progress`. */
  syncJoin: (path: string, login: string, password: string) => call<{ status: SessionStatus; report: SyncReport }>('sync_join', { path, login, password }),

  // dropout
  dropoutList: (openOnly: boolean, householdId: string | null = null) =>
    call<CaseSummary[]>('dropout_list', { openOnly, householdId, today: today() }),
  dropoutGet: (id: string) => call<DropoutCase>('dropout_get', { id }),
  dropoutCreate: (input: CaseInput) => call<DropoutCase>('dropout_create', { input, today: today() }),
  dropoutUpdate: (id: string, input: CaseInput) => call<DropoutCase>('dropout_update', { id, input, today: today() }),
  dropoutDelete: (id: string) => call<void>('dropout_delete', { id }),
  dropoutSetOutcome: (id: string, outcome: OutcomeInput) =>
    call<DropoutCase>('dropout_set_outcome', { id, outcome, today: today() }),
  dropoutAddAction: (caseId: string, action: ActionInput) =>
    call<DropoutCase>('dropout_add_action', { caseId, action, today: today() }),
  dropoutDeleteAction: (id: string) => call<DropoutCase>('dropout_delete_action', { id }),
  /** The seven heads a new case starts with (names of the last case, the student's parent and teacher). */
  dropoutDefaults: (memberId: string | null) => call<SevenHeads>('dropout_defaults', { memberId }),
  dropoutCandidates: (search: string) => call<StudentRef[]>('dropout_candidates', { search }),
  /** One week's report; null: this week. */
  dropoutWeek: (week: IsoWeek | null) => call<WeekReport>('dropout_week', { week, today: today() }),
  dropoutConfirmWeek: (week: IsoWeek, by: string) => call<WeekReport>('dropout_confirm_week', { week, by, today: today() }),
  /** Every week of the term up to this week, newest first. */
  dropoutWeeks: (term: Term) => call<WeekStatus[]>('dropout_weeks', { term, today: today() }),

  archivist: () => call<string>('settings_archivist'),
  setArchivist: (name: string) => call<string>('settings_set_archivist', { name }),
  /** The term's archive into a folder chosen in the folder dialog. Emits `archive-progress`. */
  archiveExport: (term: Term, folder: string, fullIds: boolean) =>
    call<ArchiveWritten>('archive_export', { term, folder, fullIds, today: today() }),
  /** Opens a PDF the archive wrote in the system's viewer. */
  archiveOpen: (path: string) => call<void>('archive_open', { path }),
  /** The families' policy cards (明白卡) as one PDF into a folder chosen in the folder dialog. */
  policyCardPrint: (term: Term, scope: CardScope, paper: Paper, folder: string) =>
    call<CardsWritten>('policy_card_print', { term, scope, paper, folder, today: today() }),
  /** Whom families call about aid (the principal's setting). */
  schoolSetContacts: (input: ContactsInput) => call<School>('school_set_contacts', { input }),
};

export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

// ---- dropout prevention (控辍保学) ----
export type CaseKind = 'dropped_out' | 'at_risk';
export const CASE_KINDS: CaseKind[] = ['dropped_out', 'at_risk'];
export type DropoutReason = 'dislikes_school' | 'left_to_work' | 'family_hardship' | 'illness_disability' | 'early_marriage' | 'other';
export const DROPOUT_REASONS: DropoutReason[] = [
  'dislikes_school', 'left_to_work', 'family_hardship', 'illness_disability', 'early_marriage', 'other',
];
export type RiskLevel = 'low' | 'medium' | 'high';
export const RISK_LEVELS: RiskLevel[] = ['high', 'medium', 'low'];
/** A case is open until returned, home-schooled or transferred; still_out keeps it open. */
export type DropoutOutcome = 'returned' | 'home_schooling' | 'transferred' | 'still_out';
export const DROPOUT_OUTCOMES: DropoutOutcome[] = ['returned', 'home_schooling', 'transferred', 'still_out'];
/** The names of the "seven heads" (七长) responsible for a case. */
export interface SevenHeads {
  countyHead: string; // 县长
  bureauChief: string; // 教育局长
  townHead: string; // 乡镇长
  villageHead: string; // 村长（村支书）
  principal: string; // 校长
  parent: string; // 家长
  teacher: string; // 教师
}
export const HEADS = ['countyHead', 'bureauChief', 'townHead', 'villageHead', 'principal', 'parent', 'teacher'] as const;
export interface CaseInput extends SevenHeads {
  memberId: string;
  kind: CaseKind;
  reportedDate: string;
  droppedOutDate: string | null; // null: the reported date (or today, when an at-risk case becomes a dropout)
  reason: DropoutReason;
  reasonNote: string;
  riskLevel: RiskLevel;
  notes: string;
}
export interface ActionInput {
  actionDate: string;
  who: string;
  what: string;
  outcome: string;
}
export interface DropoutAction extends ActionInput, RecordMeta {
  caseId: string;
}
export interface OutcomeInput {
  outcome: DropoutOutcome | null;
  outcomeDate: string | null;
}
export interface DropoutCase extends RecordMeta, SevenHeads {
  memberId: string;
  name: string;
  grade: number | null;
  className: string;
  householdId: string;
  headName: string;
  village: string;
  kind: CaseKind;
  reportedDate: string;
  droppedOutDate: string | null;
  reason: DropoutReason;
  reasonNote: string;
  riskLevel: RiskLevel;
  outcome: DropoutOutcome | null;
  outcomeDate: string | null;
  notes: string;
  open: boolean;
  actions: DropoutAction[]; // oldest first
}
export interface CaseSummary {
  id: string;
  memberId: string;
  name: string;
  grade: number | null;
  className: string;
  householdId: string;
  village: string;
  kind: CaseKind;
  reason: DropoutReason;
  riskLevel: RiskLevel;
  reportedDate: string;
  droppedOutDate: string | null;
  outcome: DropoutOutcome | null;
  outcomeDate: string | null;
  open: boolean;
  daysSinceReported: number;
  actionCount: number;
  lastAction: ActionInput | null;
}
export interface StudentRef {
  memberId: string;
  name: string;
  grade: number | null;
  className: string;
  householdId: string;
  headName: string;
  village: string;
  enrolmentStatus: EnrolmentStatus;
}
/** An ISO week, "2026-W48". */
export type IsoWeek = string;
export type WeekState = 'confirmed' | 'missing' | 'current' | 'future';
export interface WeekNumbers {
  enrolment: number;
  newDropouts: number;
  returns: number;
  openCases: number;
}
export interface WeekStatus extends WeekNumbers {
  week: IsoWeek;
  start: string; // Monday
  end: string; // Sunday
  zero: boolean; // no new dropout
  state: WeekState;
  confirmed: { by: string; at: string } | null;
  changed: boolean; // confirmed, and the records now give other numbers
  recomputed: WeekNumbers | null;
}
export interface WeekCase {
  caseId: string;
  memberId: string;
  name: string;
  grade: number | null;
  className: string;
  date: string;
  reason: DropoutReason;
}
export interface WeekReport extends WeekStatus {
  dropouts: WeekCase[];
  returned: WeekCase[];
}

// ---- sync (同步) ----
/** What reading a change file did. */
export interface SyncReport {
  new: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  merged: number; // records two computers created under one number, now one
  fromDevice: string;
  fromAccount: string;
  warnings: string[];
  refused: SyncRefused[]; // records their author's role did not allow: not applied
  copyOf?: string; // the file is a copy (same content) of this one, beside it or read before
}
/** A record of the last change file read that its author's role did not allow. */
export interface SyncRefused {
  table: string;
  recordId: string;
  label: string;
  authorId: string;
  author: string;
  authorRole: string; // '' when the author is unknown here
  reason: string;
  reasonEn: string;
}
export interface SyncDevice {
  deviceId: string;
  this: boolean;
  lastExchange: string | null;
  files: number;
  account: string;
  newest: string | null;
}
export interface SyncConflict {
  id: string;
  table: string;
  recordId: string;
  label: string;
  field: string;
  keptValue: unknown;
  keptDevice: string;
  keptAt: string | null;
  keptBy: string;
  lostValue: unknown;
  lostDevice: string;
  lostAt: string | null;
  lostBy: string;
  resolution: '' | 'kept' | 'swapped';
}
