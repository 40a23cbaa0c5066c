// A shopping cart: the code under test.
function lineTotal(price, quantity) {
  if (quantity < 0) throw new RangeError(`negative quantity ${quantity}`);
  return price * quantity;
}

function cartTotal(lines) {
  let total = 0;
  for (const line of lines) total += lineTotal(line.price, line.quantity);
  return total;
}

function discount(total, code) {
  if (code === 'HALF') return total / 2;
  if (code === 'TEN') return Math.max(0, total - 10);
  return total;
}

module.exports = { lineTotal, cartTotal, discount };
