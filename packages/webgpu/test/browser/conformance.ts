// The shared @attn/tensor conformance suite, run in the page on the 'webgpu'
// backend. Vitest is not in the page: a tiny describe/it collector runs the
// cases (each reads its values with await data()).
import { runBackendSuite } from '@attn/tensor/testing';

/** Runs every float32 case on `backendName`; returns the names of the cases that passed and the failures. */
export async function runConformance(backendName: string): Promise<{ passed: string[]; failed: string[] }> {
  const cases: Array<[string, () => void | Promise<void>]> = [];
  let prefix = '';
  runBackendSuite(
    {
      describe: (name, fn) => {
        prefix = name;
        fn();
      },
      it: (name, fn) => {
        cases.push([`${prefix} > ${name}`, fn]);
      },
    },
    backendName,
  );
  const passed: string[] = [];
  const failed: string[] = [];
  for (const [name, fn] of cases) {
    try {
      await fn();
      passed.push(name);
    } catch (err) {
      failed.push(`${name}: ${(err as Error).message}`);
    }
  }
  return { passed, failed };
}
