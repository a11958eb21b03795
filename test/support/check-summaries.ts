// Every action a test runs (harness/run-action.ts) has its job summary checked against the one
// scheme summaries follow: a malformed or misleading summary fails the test that produced it.
process.env.CHECK_SUMMARIES = '1';
