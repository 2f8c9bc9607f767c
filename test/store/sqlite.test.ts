import { openTempSqlite } from '../helpers/sqlite-store.js';
import { createStoreContractTests } from './contract.js';

createStoreContractTests({ engine: 'sqlite', open: openTempSqlite });
