// Settings shared with the server: which keys it reads, and the shape it receives them in.
// Pure (no `vscode` import) so the node tests can check it.
import serverSettingsFile from '../server-settings.json';

export const SECTION = 'hptlens';

/** Full keys (`hptlens.llm.model`) the server reads, with their defaults. */
export const SERVER_SETTING_DEFAULTS: Readonly<Record<string, unknown>> = serverSettingsFile.settings;

export const SERVER_SETTING_KEYS: readonly string[] = Object.keys(SERVER_SETTING_DEFAULTS);

/** Settings only the client reads; never sent to the server (its model forbids unknown keys). */
export const CLIENT_ONLY_SETTING_KEYS: readonly string[] = [`${SECTION}.interpreter`];

/** The `hptlens` section as the server receives it: `{enabledKinds, ..., llm: {mode, ...}}`. */
export type ServerSettings = { [key: string]: unknown };

/** Reads a key relative to the section (`llm.model`); `undefined` when unset. */
export type SettingGetter = (relativeKey: string) => unknown;

export function relativeKey(fullKey: string): string {
  return fullKey.startsWith(`${SECTION}.`) ? fullKey.slice(SECTION.length + 1) : fullKey;
}

/** Builds the nested section from a getter, keeping only the keys the server reads. */
export function serverSettingsFrom(get: SettingGetter): ServerSettings {
  const result: ServerSettings = {};
  for (const key of SERVER_SETTING_KEYS) {
    const path = relativeKey(key).split('.');
    const value = get(path.join('.'));
    if (value !== undefined) {
      setPath(result, path, value);
    }
  }
  return result;
}

/** Keeps only server keys of a nested section object (a `workspace/configuration` answer). */
export function pickServerSettings(section: unknown): ServerSettings {
  if (!isRecord(section)) {
    return {};
  }
  return serverSettingsFrom((key) => getPath(section, key.split('.')));
}

/** initializationOptions sent with `initialize`: the section, as workspace/configuration gives it. */
export function initializationOptions(get: SettingGetter): ServerSettings {
  return serverSettingsFrom(get);
}

/**
 * Filters a `workspace/configuration` answer: items asking for the whole `hptlens` section lose the
 * client-only keys; items for a single server key, or for other sections, pass unchanged.
 */
export function filterConfigurationAnswer(
  items: readonly { section?: string | null }[],
  answers: readonly unknown[],
): unknown[] {
  return answers.map((answer, index) => (items[index]?.section === SECTION ? pickServerSettings(answer) : answer));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getPath(root: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (!isRecord(current)) {
      return undefined;
    }
    current = current[part];
  }
  return current;
}

function setPath(root: ServerSettings, path: readonly string[], value: unknown): void {
  let current = root;
  for (const part of path.slice(0, -1)) {
    const next = current[part];
    current = isRecord(next) ? (next as ServerSettings) : (current[part] = {});
  }
  current[path[path.length - 1]] = value;
}
