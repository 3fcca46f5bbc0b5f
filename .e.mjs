import { loadModule, parseSync, normalizeSync } from 'libpg-query';
await loadModule();
const qs = ["SELECT 'abc", "SELECT /* x", 'SELECT ""', "SELECT 1abc", "SELECT U&'\\zzzz'", "SELECT $a$ x", "SELECT E'\\xZZ'", "SELEC 1", "SELECT 1 FROM", "ERROR", "syntax error", "SELECT 'syntax error'", "   ", ";", "-- c", "/* /* */ */", "/* unterminated /* */", "\u0000", "SELECT '\u00e9'", "SELECT 9999999999999999999999999", "CREATE TABLE", "SELECT * FROM t WHERE a = $1", "SELECT 1 -- no newline"];
for (const q of qs) {
  let p, n;
  try { p = 'OK ' + parseSync(q).stmts.length; } catch (e) { p = 'ERR ' + e.message; }
  try { n = 'OK ' + JSON.stringify(normalizeSync(q)); } catch (e) { n = 'ERR ' + e.message; }
  console.log(JSON.stringify(q), '| parse:', p, '| norm:', n);
}
