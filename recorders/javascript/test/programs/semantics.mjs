// Plenty of syntax the plugin rewrites; the output must be the same with
// and without the recorder.
let counter = 0;
let log = [];
const out = [];

class Base {
  #secret = 1;
  static created = 0;
  constructor(name) {
    this.name = name;
    Base.created++;
  }
  get label() {
    return `${this.name}:${this.#secret}`;
  }
  set label(value) {
    this.name = value;
  }
  bump() {
    this.#secret += 1;
    return this.#secret;
  }
}

class Child extends Base {
  constructor(name, extra) {
    super(name);
    this.extra = extra ?? 'none';
  }
  describe() {
    return `${super.label}/${this.extra}`;
  }
  handler = () => this.name;
}

function* numbers() {
  yield 1;
  yield 2;
}

const obj = { a: 1, b: { c: [1, 2, 3] }, 'odd key': 5 };
obj.a += 10;
obj.b.c[1] *= 7;
obj['odd key']++;
--obj.a;
obj.x ??= 'set';
obj.x ||= 'not set';
obj.y &&= 'never';
delete obj['odd key'];
const { a, b: { c } } = obj;
const [first, ...rest] = c;
out.push(a, first, rest.length, obj.b?.c?.length, obj.missing?.deep);

counter += 5;
counter++;
++counter;
log = log.concat([counter]);
log.push(counter-- + 1);

const child = new Child('kid');
child.label = 'renamed';
out.push(child.describe(), child.bump(), child.handler(), Base.created, child.label);
out.push([...numbers()].join('+'));

const map = new Map([['k', 1]]);
map.set('k', map.get('k') + 1);
const set = new Set([1]);
set.add(2);
out.push(map.get('k'), set.has(2), set.size, [3, 1, 2].sort().join(''));

const arrow = (x, y = 2, ...zs) => x + y + zs.length;
const asyncArrow = async (x) => (await x) * 2;
function withArguments() {
  return arguments.length;
}
out.push(arrow(1), arrow(1, 1, 1, 1), withArguments(1, 2, 3));

async function chain() {
  const values = await Promise.all([asyncArrow(2), asyncArrow(Promise.resolve(3))]);
  try {
    await Promise.reject(new Error('nope'));
  } catch (error) {
    values.push(error.message);
  }
  const settled = await Promise.allSettled([Promise.reject(new Error('x')), 1]);
  values.push(settled.map((s) => s.status).join(','));
  values.push(await new Promise((resolve) => setTimeout(() => resolve('timer'), 1)));
  values.push(await Promise.race([new Promise((r) => setImmediate(() => r('immediate'))), new Promise((r) => setTimeout(() => r('late'), 50))]));
  return values;
}

const values = await chain();
out.push(...values);
const tagged = ((strings, ...xs) => strings.raw.join('|') + xs.join(','))`a${1}b${obj.a}`;
out.push(tagged, typeof undeclaredThing, counter, log.join(','));
console.log(JSON.stringify(out));
console.log(JSON.stringify(obj));
