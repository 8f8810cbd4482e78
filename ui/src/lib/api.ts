// The one door from the UI to the rest of Huka: typed wrappers over Tauri commands.
// Every command lives in a module of src-tauri/src/commands/ of the same name
// (school, household, member, teacher, demo, settings, backup, import). The UI never touches
// files or the database except through these functions.
import { invoke } from '@tauri-apps/api/core';

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

// ---- school ----
export interface SchoolInput {
  code: string;
  name: string;
  town: string;
  district: string; // supervision district 督学责任区
}
export interface School extends SchoolInput, RecordMeta {}

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
  birthDate: string | null;
  health: string;
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
}

export interface AppInfo {
  version: string;
  dbPath: string;
  deviceId: string;
  school: School | null; // null until first-start setup is done
  language: Lang;
  stats: Stats;
}

// ---- import ----
export type ImportKind = 'roster' | 'households';
export type ImportField =
  | 'serial' | 'name' | 'resident_id' | 'national_student_number' | 'gender' | 'birth_date' | 'grade' | 'class_name'
  | 'ethnicity' | 'boarding' | 'left_behind' | 'registered_poor' | 'address' | 'guardian_name' | 'phone'
  | 'household_number' | 'head_name' | 'relation' | 'town' | 'village' | 'group' | 'poverty_attribute'
  | 'lift_status' | 'poverty_cause';
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
export interface RowError {
  row: number; // as Excel shows it
  column: string; // the column's header
  message: string;
  messageEn: string;
}
export interface ImportReport {
  rows: number;
  imported: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  notOnPovertyList?: number;
}
export interface ImportPreview {
  kind: ImportKind;
  mapping: ImportMapping;
  fields: ImportField[];
  report: ImportReport;
  outcomes: Record<string, Outcome>;
  fingerprint: string;
  /** Fields no column is mapped to yet; while any is missing there is no plan. */
  missing: ImportField[];
}
export interface ImportProgress {
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

// ---- commands ----
export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  setLanguage: (language: Lang) => invoke<void>('settings_set_language', { language }),

  schoolSetup: (input: SchoolInput) => invoke<School>('school_setup', { input }),
  schoolUpdate: (input: SchoolInput) => invoke<School>('school_update', { input }),

  demoLoad: (students?: number, seed?: number) => invoke<Stats>('demo_load', { students, seed }),

  householdList: (search: string) => invoke<HouseholdSummary[]>('household_list', { search }),
  householdCard: (id: string) => invoke<HouseholdCard>('household_card', { id }),
  householdCreate: (input: HouseholdInput) => invoke<Household>('household_create', { input }),
  householdUpdate: (id: string, input: HouseholdInput) => invoke<Household>('household_update', { id, input }),
  householdDelete: (id: string) => invoke<void>('household_delete', { id }),
  householdSetTeachers: (id: string, teacherIds: string[]) =>
    invoke<Teacher[]>('household_set_teachers', { id, teacherIds }),

  memberCreate: (householdId: string, input: MemberInput) => invoke<Member>('member_create', { householdId, input }),
  memberUpdate: (id: string, input: MemberInput) => invoke<Member>('member_update', { id, input }),
  memberDelete: (id: string) => invoke<void>('member_delete', { id }),
  residentIdCheck: (raw: string) => invoke<ResidentIdCheck>('resident_id_check', { raw }),

  teacherList: () => invoke<Teacher[]>('teacher_list'),
  teacherCreate: (input: TeacherInput) => invoke<Teacher>('teacher_create', { input }),
  teacherUpdate: (id: string, input: TeacherInput) => invoke<Teacher>('teacher_update', { id, input }),
  teacherDelete: (id: string) => invoke<void>('teacher_delete', { id }),

  /** Plans an import of a file the user chose in the open dialog; writes nothing. */
  importPreview: (path: string, kind: ImportKind, overrides: Overrides) =>
    invoke<ImportPreview>('import_preview', { path, kind, overrides }),
  /** Imports the previewed plan; refused if the plan changed. Emits `import-progress`. */
  importApply: (path: string, kind: ImportKind, overrides: Overrides, fingerprint: string) =>
    invoke<ImportReport>('import_apply', { path, kind, overrides, fingerprint }),
  importSaveRejects: (path: string, kind: ImportKind, overrides: Overrides, out: string) =>
    invoke<number>('import_save_rejects', { path, kind, overrides, out }),
  registrationUnlinked: () => invoke<UnlinkedRegistration[]>('registration_unlinked'),

  /** Copies the database (consistent snapshot) to a path the user chose in the native save dialog. */
  backupTo: (path: string) => invoke<void>('backup_to', { path }),
};

export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}
