module.exports = { preset: 'causeway-recorder' };
