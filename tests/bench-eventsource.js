// SPDX-License-Identifier: GPL-3.0-or-later
// bench-eventsource.js: npm's `eventsource` reading URL until COUNT events,
// for bench-ingest's comparison. Prints the number of events it received.
//
//   node bench-eventsource.js URL COUNT
'use strict';

// eventsource 3 and later export { EventSource }; 2 exported the class.
const exported = require('eventsource');
const EventSource = exported.EventSource || exported;

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
let received = 0;
const source = new EventSource(url);

source.onmessage = () => {
  received++;
  if (received === count) {
    source.close();
    process.stdout.write(`${received}\n`);
  }
};
source.onerror = () => {
  // The body ended before COUNT events (or the server is gone).
  if (received < count) {
    source.close();
    process.stdout.write(`${received}\n`);
    process.exitCode = 1;
  }
};
