// Runs every benchmark suite and writes BENCHMARKS.md. Suites are added by their issues.
console.log('no benchmark suites yet');
