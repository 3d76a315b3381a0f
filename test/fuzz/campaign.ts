/**
 * @fileoverview Long differential fuzz campaigns: interpreter vs JIT on generated programs.
 * Usage: `npm run fuzz -- --iterations N --seed S [--size K] [--fault-rate P] [--max-failures F]`
 * (run with tsx). Prints every failing program (seed, difference, input, disassembly) and exits
 * with status 1 when any program differs or fails to load on either engine.
 * `--mode soundness` runs the verifier's soundness oracle instead (test/support/soundness-oracle.ts):
 * generated XDP programs, each accepted one run on random packets under the precise check, the
 * interpreter and the JIT; --size and --fault-rate do not apply.
 */
import { compareEngines, formatFailure } from '../support/differential.js';
import { generateProgram } from '../support/gen-program.js';
import { checkProgram } from '../support/soundness-oracle.js';

interface CampaignOptions {
  iterations: number;
  seed: number;
  size: number;
  faultRate: number;
  maxFailures: number;
  mode: 'differential' | 'soundness';
}

function parseArguments(argv: readonly string[]): CampaignOptions {
  const options: CampaignOptions = { iterations: 10_000, seed: Date.now() % 1_000_000_007, size: 60, faultRate: 0.01, maxFailures: 10, mode: 'differential' };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    const number = Number(value);
    const need = (): number => {
      if (value === undefined || !Number.isFinite(number)) throw new Error(`${name} needs a numeric value`);
      i++;
      return number;
    };
    switch (name) {
      case '--iterations':
        options.iterations = need();
        break;
      case '--seed':
        options.seed = need();
        break;
      case '--size':
        options.size = need();
        break;
      case '--fault-rate':
        options.faultRate = need();
        break;
      case '--max-failures':
        options.maxFailures = need();
        break;
      case '--mode':
        if (value !== 'differential' && value !== 'soundness') throw new Error(`--mode needs 'differential' or 'soundness'`);
        options.mode = value;
        i++;
        break;
      default:
        throw new Error(`unknown argument ${String(name)}`);
    }
  }
  return options;
}

/** The soundness campaign: programs seed, seed + 1, ...; every accepted one also runs on the JIT. */
async function soundness(options: CampaignOptions): Promise<number> {
  console.log(`fuzz: soundness oracle on ${options.iterations} xdp programs from seed ${options.seed}`);
  const started = Date.now();
  let failures = 0;
  let accepted = 0;
  for (let i = 0; i < options.iterations; i++) {
    const check = await checkProgram(options.seed + i, { packets: 8, jit: true });
    if (check.accepted) accepted++;
    for (const failure of check.failures) console.log(`\nFAIL ${failure}`);
    failures += check.failures.length === 0 ? 0 : 1;
    if (failures >= options.maxFailures) break;
    if ((i + 1) % 1000 === 0) console.log(`  ${i + 1} programs, ${accepted} accepted, ${failures} failures, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`fuzz: done, ${accepted} accepted, ${failures} failures in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${options.seed})`);
  return failures === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const options = parseArguments(process.argv.slice(2));
  if (options.mode === 'soundness') return soundness(options);
  console.log(`fuzz: ${options.iterations} programs from seed ${options.seed} (size ${options.size}, fault rate ${options.faultRate})`);
  const started = Date.now();
  let failures = 0;
  for (let i = 0; i < options.iterations; i++) {
    const seed = options.seed + i;
    const generated = generateProgram(seed, { size: 5 + (i % options.size), faultRate: options.faultRate });
    let difference: string | undefined;
    try {
      difference = (await compareEngines(generated)).difference;
    } catch (error) {
      difference = `load failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (difference !== undefined) {
      failures++;
      console.log(`\nFAIL ${formatFailure(generated, difference)}`);
      if (failures >= options.maxFailures) break;
    }
    if ((i + 1) % 1000 === 0) console.log(`  ${i + 1} programs, ${failures} failures, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`fuzz: done, ${failures} failures in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${options.seed})`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
