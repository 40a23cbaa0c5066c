import causeway from 'causeway-recorder';
const cyclic = { name: 'loop' };
cyclic.self = cyclic;
function describe(value, login) {
  return typeof value;
}
class Point {
  constructor(x) { this.x = x; }
}
describe(() => 1, { user: 'ada', password: 'hunter2' });
describe(10n);
describe(Symbol('s'));
describe(cyclic);
describe(new Point(3));
describe('x'.repeat(500));
describe([1, [2, [3, [4, [5]]]]]);
describe(NaN);
describe(undefined);
describe(new Map([[1, 2]]));
causeway.event('checkout.done', { cart: 12, token: 'abc' });
function login(user, password, { apiKey } = {}) {
  return user.length + password.length + (apiKey ? 1 : 0);
}
login('ada', 'hunter2');
