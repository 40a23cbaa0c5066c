const { discount } = require('../src/cart');

test('discount after a pause', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  expect(discount(8, 'HALF')).toBe(4);
});
