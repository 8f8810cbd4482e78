// Turns what a failed command rejects with into text in the current language.
import { isApiError } from './api';
import { locale } from './i18n.svelte';

export type FieldMessages = Record<string, string>;

export function errorMessage(e: unknown): string {
  if (isApiError(e)) return locale.lang === 'en' ? e.messageEn : e.message;
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Messages per form field (camelCase field names), for inline display. */
export function fieldMessages(e: unknown): FieldMessages {
  const out: FieldMessages = {};
  if (isApiError(e)) {
    for (const f of e.fields) {
      out[f.field] ??= locale.lang === 'en' ? f.messageEn : f.message;
    }
  }
  return out;
}

/** What a form shows when a save fails: messages under the fields at fault, or one general
 * message when the error names no field. */
export function formFailure(e: unknown): { errors: FieldMessages; general: string } {
  const errors = fieldMessages(e);
  return { errors, general: Object.keys(errors).length === 0 ? errorMessage(e) : '' };
}
