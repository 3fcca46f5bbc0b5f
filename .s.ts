import { initAnalyzer, analyzeSql } from './broker/analysis/analyzer.js';
await initAnalyzer();
for (const q of process.argv.slice(2)) console.log(q, '\n  ', JSON.stringify(analyzeSql(q)));
