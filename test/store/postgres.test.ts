import { openTempPostgres } from '../helpers/postgres.js';
import { createStoreContractTests } from './contract.js';

createStoreContractTests({ engine: 'postgres', open: openTempPostgres });
