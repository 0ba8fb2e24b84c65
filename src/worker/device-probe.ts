/**
 * Child process a worker forks once at start: loads the TensorFlow.js backend the worker's jobs will
 * get and reports which device that is. A child, so the worker itself never loads TensorFlow.
 */
import { initBackend, type BackendPreference } from '../engine/backend.ts';

const preference = (process.argv[2] ?? 'auto') as BackendPreference;
try {
  const info = await initBackend(preference);
  process.send!({ ok: true, info }, () => process.exit(0));
} catch (error) {
  process.send!({ ok: false, message: (error as Error).message }, () => process.exit(0));
}
