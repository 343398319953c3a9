// A Python with hptlens for the tests that run it: $HPTLENS_TEST_PYTHON, else the repository's .venv.
import * as fs from 'fs';
import * as path from 'path';

import { CLIENT_ROOT } from './paths';

export function testPython(): string | undefined {
  const fromEnv = process.env.HPTLENS_TEST_PYTHON;
  if (fromEnv) {
    return fromEnv;
  }
  const candidates = [
    path.join(CLIENT_ROOT, '..', '.venv', 'bin', 'python'),
    path.join(CLIENT_ROOT, '..', '.venv', 'Scripts', 'python.exe'),
  ];
  return candidates.find((candidate) => fs.existsSync(candidate));
}
