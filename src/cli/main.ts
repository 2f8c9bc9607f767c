import { registerCodeCommand } from './code.js';
import { processIo } from './io.js';
import { registerKeysCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { createProgram, runProgram } from './program.js';
import { registerServeCommand } from './serve.js';
import { registerTransferCommands } from './transfer.js';
import { registerUserCommands } from './user.js';

const io = processIo();
const program = createProgram(io);
registerServeCommand(program, io);
registerUserCommands(program, io);
registerCodeCommand(program, io);
registerMigrateCommand(program, io);
registerKeysCommands(program, io);
registerTransferCommands(program, io);

process.exitCode = await runProgram(program, process.argv.slice(2), io);
