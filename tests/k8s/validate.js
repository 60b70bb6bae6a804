// SPDX-License-Identifier: MIT
// validate.js [--json] FILE...: every document of every YAML FILE checked
// against the Kubernetes schema of its apiVersion and kind (the
// kubernetes-models package carries them: types, required fields,
// enums, formats such as resource quantities).  With --json, each
// document is printed as one line of JSON after it passed, for the tests
// to read.  Exit 0 when all passed, 1 when one did not, 2 on usage.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const args = process.argv.slice(2);
const json = args[0] === '--json';
const files = json ? args.slice(1) : args;
if (files.length === 0) {
	console.error('usage: validate.js [--json] FILE...');
	process.exit(2);
}

// "apps/v1" DaemonSet -> kubernetes-models/apps/v1/DaemonSet; "v1" -> v1/
function model(apiVersion, kind) {
	if (typeof apiVersion !== 'string' || typeof kind !== 'string' ||
	    !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind))
		return null;
	try {
		return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
	} catch (e) {
		return null;
	}
}

let failed = 0;
for (const file of files) {
	const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
	docs.forEach((doc, i) => {
		const where = `${file}: document ${i + 1}`;
		if (doc.errors.length) {
			console.error(`${where}: ${doc.errors[0].message}`);
			failed = 1;
			return;
		}
		const obj = doc.toJS();
		const Model = obj && model(obj.apiVersion, obj.kind);
		if (!Model) {
			console.error(`${where}: no schema for apiVersion ${obj && obj.apiVersion} kind ${obj && obj.kind}`);
			failed = 1;
			return;
		}
		try {
			new Model(obj).validate();
		} catch (e) {
			console.error(`${where} (${obj.kind} ${obj.metadata && obj.metadata.name}): ${e.message}`);
			failed = 1;
			return;
		}
		if (json)
			console.log(JSON.stringify(obj));
	});
}
process.exit(failed);
