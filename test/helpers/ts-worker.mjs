// Starts a worker thread from a TypeScript module, whose file URL is the thread's last argument. Node 20
// applies no `--import tsx` given in a worker's execArgv, so tsx is registered here, inside the thread,
// before the module is imported.
import { register } from 'tsx/esm/api';

register();
await import(process.argv.at(-1));
