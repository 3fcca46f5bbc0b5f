import { loadModule, parseSync, normalizeSync, fingerprintSync } from 'libpg-query';
await loadModule();
const q = process.argv[2];
try { console.log(JSON.stringify(parseSync(q), null, 1)); } catch (e) { console.log('ERR', e.message, JSON.stringify(e.sqlDetails)); }
try { console.log('NORM', normalizeSync(q)); } catch (e) { console.log('NERR', e.message); }
