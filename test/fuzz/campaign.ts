/**
 * @fileoverview Long differential fuzz campaigns: interpreter vs JIT on generated programs.
 * Usage: `npm run fuzz -- --iterations N --seed S [--size K] [--fault-rate P] [--max-failures F]`
 * (run with tsx). Prints every failing program (seed, difference, input, disassembly) and exits
 * with status 1 when any program differs or fails to load on either engine.
 */
import { compareEngines, formatFailure } from '../support/differential.js';
import { generateProgram } from '../support/gen-program.js';

interface CampaignOptions {
  iterations: number;
  seed: number;
  size: number;
  faultRate: number;
  maxFailures: number;
}

function parseArguments(argv: readonly string[]): CampaignOptions {
  const options: CampaignOptions = { iterations: 10_000, seed: Date.now() % 1_000_000_007, size: 60, faultRate: 0.01, maxFailures: 10 };
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
      default:
        throw new Error(`unknown argument ${String(name)}`);
    }
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseArguments(process.argv.slice(2));
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
