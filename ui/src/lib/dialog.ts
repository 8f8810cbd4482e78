// Native file dialogs (tauri-plugin-dialog). Every file path the UI ever holds comes from here.
//
// End-to-end tests cannot reach the GTK dialog through WebDriver; they answer it instead by
// pushing paths onto `window.__hukaDialogAnswers` before the click that opens it. Nothing else
// writes that list.
import { open, save } from '@tauri-apps/plugin-dialog';

declare global {
  interface Window {
    __hukaDialogAnswers?: string[];
  }
}

function testAnswer(): string | undefined {
  return window.__hukaDialogAnswers?.shift();
}

export async function chooseFile(name: string, extensions: string[]): Promise<string | null> {
  const answer = testAnswer();
  if (answer !== undefined) return answer;
  const chosen = await open({ multiple: false, directory: false, filters: [{ name, extensions }] });
  return typeof chosen === 'string' ? chosen : null;
}

export async function chooseSaveFile(defaultPath: string, name: string, extensions: string[]): Promise<string | null> {
  const answer = testAnswer();
  if (answer !== undefined) return answer;
  return await save({ defaultPath, filters: [{ name, extensions }] });
}

/** Several files, or (with `folder`) one folder; an end-to-end answer is one path. */
export async function chooseFiles(name: string, extensions: string[], folder = false): Promise<string[]> {
  const answer = testAnswer();
  if (answer !== undefined) return [answer];
  const chosen = folder
    ? await open({ multiple: false, directory: true })
    : await open({ multiple: true, directory: false, filters: [{ name, extensions }] });
  if (chosen === null) return [];
  return Array.isArray(chosen) ? chosen : [chosen];
}

/** One folder to write into; an end-to-end answer is its path. */
export async function chooseFolder(): Promise<string | null> {
  const answer = testAnswer();
  if (answer !== undefined) return answer;
  const chosen = await open({ multiple: false, directory: true });
  return typeof chosen === 'string' ? chosen : null;
}
