// Build rnnviz/ui/vendor/plotly-rnnviz.min.js from entry.js: `npm ci && node build.js` here.
// The settings are plotly.js's own (its esbuild-config.js), minified, with a licence banner.
const path = require('path');
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');
const version = require('plotly.js/package.json').version;

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: path.join(__dirname, '..', '..', 'rnnviz', 'ui', 'vendor', 'plotly-rnnviz.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    banner: {js: `/**\n* plotly.js v${version}, rnnviz's partial bundle: scatter, bar, heatmap, ` +
                 'histogram (scripts/plotly-bundle)\n* Copyright Plotly, Inc.\n' +
                 '* Licensed under the MIT license\n*/'},
    plugins: [InlineCSSPlugin(), environmentPlugin({NODE_DEBUG: false})],
    alias: {stream: 'stream-browserify'},
    define: {global: 'window', 'define.amd': 'false'},
    target: 'es2016',
    logLevel: 'info',
}).catch(() => process.exit(1));
