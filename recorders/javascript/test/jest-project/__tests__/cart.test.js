const { cartTotal, discount, lineTotal } = require('../src/cart');

test('totals the lines', () => {
  expect(cartTotal([{ price: 3, quantity: 2 }, { price: 5, quantity: 1 }])).toBe(11);
});

test('applies discount codes', () => {
  expect(discount(40, 'HALF')).toBe(20);
  expect(discount(15, 'TEN')).toBe(5);
  expect(discount(15, 'NONE')).toBe(15);
});

test('rejects negative quantities', () => {
  expect(() => lineTotal(2, -1)).toThrow(RangeError);
});
