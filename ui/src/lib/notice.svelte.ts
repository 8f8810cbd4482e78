// The one banner at the top of the window: errors that belong to no form field, and
// confirmations ("backed up to …").
import { errorMessage } from './errors';

export const notice = $state<{ text: string; kind: 'error' | 'info' | null }>({ text: '', kind: null });

export function showError(e: unknown) {
  notice.text = errorMessage(e);
  notice.kind = 'error';
}

export function showInfo(text: string) {
  notice.text = text;
  notice.kind = 'info';
}

export function clearNotice() {
  notice.kind = null;
  notice.text = '';
}
