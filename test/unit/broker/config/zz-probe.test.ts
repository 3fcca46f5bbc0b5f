import { it } from 'vitest';
import { checkConfigFile } from '../../../../broker/config/check.js';
it('p', async () => {
  process.env.AIRLOCK_TEST_AGENT_SECRET = 'a'; process.env.AIRLOCK_TEST_DB_PASSWORD = 'b';
  console.log((await checkConfigFile('test/fixtures/config/dev.yaml')).text);
  process.env.SHOP_DB_PASSWORD = 'x';
  console.log((await checkConfigFile('examples/airlock.yaml')).text);
  console.log((await checkConfigFile('test/fixtures/config/invalid.yaml')).text);
});
