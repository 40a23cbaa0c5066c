export function area(side: number): number {
  const result: number = side * side;
  return result;
}
