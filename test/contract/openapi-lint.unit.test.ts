// docs/openapi.json passes Redocly's recommended rules (redocly.yaml says why
// any rule is off). Skipped, saying so, where the CLI is not installed.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ROOT } from '../../scripts/docs.js';

const run = promisify(execFile);
const redocly = path.join(ROOT, 'node_modules', '.bin', 'redocly');

describe('OpenAPI lint', function () {
  this.timeout(60_000);

  it('docs/openapi.json has no errors and no warnings under the recommended rules', async function () {
    if (!fs.existsSync(redocly)) {
      console.warn('      skipped: @redocly/cli is not installed (npm install)');
      return this.skip();
    }
    const r = await run(redocly, ['lint', 'docs/openapi.json', '--format=json'], { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
    const report = JSON.parse(r.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer?: string }[] }[] };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
