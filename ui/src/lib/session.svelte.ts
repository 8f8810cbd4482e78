// Who is logged in, for the window to hide what their role cannot do (least privilege in the
// UI too; the core refuses anyway — access.rs has the rules this mirrors).
import type { Actor, Mode, Role } from './api';

export const session = $state<{ actor: Actor | null; mode: Mode }>({ actor: null, mode: 'school' });

type Capability =
  | 'accounts' // the Users page and the idle-lock setting
  | 'export' // the signing key and the summary for the county
  | 'import' // spreadsheets in
  | 'aid' // aid and the three lists
  | 'pairings' // 一教一帮, a card's teachers
  | 'school' // the school, its teachers and the classes they head
  | 'confirmWeek' // the weekly zero report
  | 'createHousehold'
  | 'backup' // a copy of the whole database
  | 'overview'; // the principal's dashboard of every student

const rights: Record<Role, Capability[]> = {
  principal: ['accounts', 'export', 'import', 'aid', 'pairings', 'school', 'confirmWeek', 'createHousehold', 'backup', 'overview'],
  aid_officer: ['import', 'aid', 'pairings', 'createHousehold', 'overview'],
  teacher: [],
  reviewer: ['accounts'],
};

export function may(what: Capability): boolean {
  const role = session.actor?.role;
  return role ? rights[role].includes(what) : false;
}
