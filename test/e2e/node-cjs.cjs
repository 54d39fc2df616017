// Node, CommonJS: require("wasmgrad") through the package's "require" condition (dist/cjs,
// started synchronously). program.js is an ES module, so it is loaded with import().
const torch = require("wasmgrad");

import("./program.js").then(({ compute, resultLine }) => {
  console.log(resultLine({ cjs: compute(torch) }));
});
