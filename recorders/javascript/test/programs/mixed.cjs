// CommonJS requiring CommonJS and TypeScript; a library in node_modules
// is not recorded unless included.
const { area } = require('./shapes.ts');
const lib = require('./node_modules/fakelib/index.js');
const box = { size: 2 };
box.size = area(box.size);
console.log(lib.twice(box.size));
