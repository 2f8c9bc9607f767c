import { availableParallelism } from 'node:os';
import { defaultHashingSlots, limitConcurrentHashes } from '../security/index.js';
import { registerCodeCommand } from './code.js';
import { registerIdpCommands } from './idp.js';
import { processIo } from './io.js';
import { registerKeysCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { createProgram, runProgram } from './program.js';
import { registerServeCommand } from './serve.js';
import { registerServiceCommands } from './service.js';
import { registerTransferCommands } from './transfer.js';
import { registerUserCommands } from './user.js';

const io = processIo();
// bin/twofold.js sized libuv's pool before it started; the hash limit follows its size
// (src/security/hashing-slots.ts).
limitConcurrentHashes(defaultHashingSlots(availableParallelism(), Number(io.env.UV_THREADPOOL_SIZE) || 4));
const program = createProgram(io);
registerServeCommand(program, io);
registerUserCommands(program, io);
registerServiceCommands(program, io);
registerIdpCommands(program, io);
registerCodeCommand(program, io);
registerMigrateCommand(program, io);
registerKeysCommands(program, io);
registerTransferCommands(program, io);

process.exitCode = await runProgram(program, process.argv.slice(2), io);
