'use strict';
// The plotly.js that rnnviz ships (rnnviz/ui/vendor/plotly-rnnviz.min.js): the core, which
// brings the scatter trace, plus the other trace types the app draws. Keep this list and
// TRACE_TYPES in rnnviz/ui/livechart.py the same.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/histogram'),
]);

module.exports = Plotly;
