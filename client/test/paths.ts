// Locations the tests read, resolved from the compiled file (out-test/test/*.js).
import * as fs from 'fs';
import * as path from 'path';

export const CLIENT_ROOT = path.resolve(__dirname, '..', '..');

export function readJson(relative: string): any {
  return JSON.parse(fs.readFileSync(path.join(CLIENT_ROOT, relative), 'utf8'));
}

export function readText(relative: string): string {
  return fs.readFileSync(path.join(CLIENT_ROOT, relative), 'utf8');
}
